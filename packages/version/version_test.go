package version

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readWant reads "A<TAB>B<TAB>-1|0|1" lines (the tools' answers, see testdata/make-oracles.sh).
func readWant(t *testing.T, name string) [][3]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][3]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 3 {
			t.Fatalf("%s: bad line %q", name, sc.Text())
		}
		out = append(out, [3]string{p[0], p[1], p[2]})
	}
	if len(out) < 100 {
		t.Fatalf("%s: only %d pairs", name, len(out))
	}
	return out
}

// TestAgainstTools checks every ordering the ecosystems' own tools recorded.
func TestAgainstTools(t *testing.T) {
	for _, tc := range []struct{ file, eco string }{
		{"dpkg.want", "deb"}, {"rpm.want", "rpm"}, {"pep440.want", "python"},
		{"semver.want", "npm"}, {"maven.want", "java"},
	} {
		t.Run(tc.eco, func(t *testing.T) {
			bad := 0
			for _, p := range readWant(t, tc.file) {
				want, _ := strconv.Atoi(p[2])
				if got := Compare(tc.eco, p[0], p[1]); got != want {
					bad++
					if bad <= 20 {
						t.Errorf("Compare(%s, %q, %q) = %d, %s says %d", tc.eco, p[0], p[1], got, tc.file, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d orderings differ", bad)
			}
		})
	}
}

// TestAPKVersionData runs apk-tools' own test data: "A OP B" lines with OP one of < = >.
func TestAPKVersionData(t *testing.T) {
	f, err := os.Open("testdata/apk.want")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		p := strings.Fields(line)
		if len(p) != 3 {
			continue
		}
		want := map[string]int{"<": -1, "=": 0, ">": 1}[p[1]]
		if got := Compare("apk", p[0], p[2]); got != want {
			t.Errorf("APK(%q, %q) = %d, apk-tools says %s", p[0], p[2], got, p[1])
		}
		if got := Compare("apk", p[2], p[0]); got != -want {
			t.Errorf("APK(%q, %q) = %d, apk-tools says the reverse of %s", p[2], p[0], got, p[1])
		}
		n++
	}
	if n < 700 {
		t.Fatalf("only %d cases", n)
	}
}

func TestGoModule(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"v0.6.0", "v0.7.0", -1},
		{"v1.0.0-20210101000000-abcdefabcdef", "v1.0.0", -1},
		{"v0.0.0-20210101000000-abcdefabcdef", "v0.0.0-20220101000000-abcdefabcdef", -1},
		{"(devel)", "v0.1.0", -1},
		{"v2.0.0+incompatible", "v1.9.0", 1},
	} {
		if got := Compare("go", c.a, c.b); got != c.want {
			t.Errorf("GoModule(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// FuzzCompare: every ecosystem's order is antisymmetric and total, for any bytes.
func FuzzCompare(f *testing.F) {
	for _, s := range []string{"1.0", "1:2.3-4", "1.0~rc1", "1.0_alpha-r2", "1!2.0.post1.dev3+x.1", "1.0.0-beta.11", "v1.2.3", "1.0-SNAPSHOT", "", "~", "^", "-", "0.0.0.0.0.0.0.0.0", "99999999999999999999999"} {
		f.Add(s, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, eco := range []string{"deb", "rpm", "apk", "python", "npm", "go", "java", "other"} {
			x, y := Compare(eco, a, b), Compare(eco, b, a)
			if x != -y {
				t.Fatalf("%s: Compare(%q, %q) = %d but Compare(%q, %q) = %d", eco, a, b, x, b, a, y)
			}
			if Compare(eco, a, a) != 0 {
				t.Fatalf("%s: %q is not equal to itself", eco, a)
			}
			Valid(eco, a)
		}
	})
}
