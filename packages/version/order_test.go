package version

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// orderCorpus is versions that stress each ordering: epochs, tildes, carets, separators,
// pre-releases, long digit runs, empty parts; and the fuzz corpus committed beside.
func orderCorpus(t *testing.T) []string {
	vs := []string{"", "0", "1", "1.0", "1.0.0", "1.00", "01", "1:1", "1:0", "0:1", "1.0~rc1", "1.0~", "1.0~~", "1.0^", "1.0^1",
		"1.0-1", "1.0-r1", "1.0_alpha", "1.0_alpha1-r2", "1.0_beta", "1.0_pre", "1.0_rc", "1.0_p1", "1.0a", "1.0b1", "1.0rc1",
		"1.0.post1", "1.0.dev1", "1!0.1", "1.0+local", "1.0+local.2", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "v1.2.3", "v1.2.3-pre", "v0.0.0-20210101000000-abcdefabcdef",
		"1.0-SNAPSHOT", "1.0-final", "1.0-ga", "1.0-sp1", "1.0.RELEASE", "~", "^", "-", ".", "_", "a", "A", "z", "1a", "a1",
		"99999999999999999999999", "099999999999999999999999", "1.0-", "-1", "1..0", "1.0.", ":", "1:", "\xff", "1.0\x00"}
	files, _ := filepath.Glob("testdata/fuzz/FuzzCompare/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n")[1:] {
			if s, ok := strings.CutPrefix(l, "string("); ok {
				if u, err := unquoteGo(strings.TrimSuffix(s, ")")); err == nil {
					vs = append(vs, u)
				}
			}
		}
	}
	return vs
}

// TestCompareOrder: on the corpus every ecosystem's Compare is a total order: reflexive,
// antisymmetric and transitive (a sort by it is well defined).
func TestCompareOrder(t *testing.T) {
	vs := orderCorpus(t)
	for _, eco := range []string{"deb", "rpm", "apk", "python", "npm", "go", "java", "other"} {
		n := len(vs)
		c := make([][]int, n)
		for i := range vs {
			c[i] = make([]int, n)
			for j := range vs {
				c[i][j] = Compare(eco, vs[i], vs[j])
			}
		}
		bad := 0
		for i := 0; i < n && bad < 5; i++ {
			for j := 0; j < n && bad < 5; j++ {
				if c[i][j] != -c[j][i] {
					t.Errorf("%s: not antisymmetric on %q, %q", eco, vs[i], vs[j])
					bad++
				}
				for k := 0; k < n && bad < 5; k++ {
					if c[i][j] <= 0 && c[j][k] <= 0 && c[i][k] > 0 {
						t.Errorf("%s: %q <= %q <= %q but %q > %q", eco, vs[i], vs[j], vs[k], vs[i], vs[k])
						bad++
					}
				}
			}
		}
	}
}

// unquoteGo reads a Go double-quoted string as the fuzz corpus writes it.
func unquoteGo(s string) (string, error) { return strconv.Unquote(s) }
