package packages

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
)

// TestDistroless: status.d stanzas and md5sums lists, as distroless writes them, of two
// Debian packages (testdata/packages/distroless/make-fixtures.sh): the control fields
// dpkg-deb -f states and, per package, the bytes of the files its md5sums lists (sizes as
// dpkg-deb -c says).
func TestDistroless(t *testing.T) {
	img, err := load.Open(context.Background(), fixtureDir+"distroless/distroless.tar.gz", nil, load.Options{KeepMatch: Wants})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	r, err := Of(img, fstree.Merge(img.Layers), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tf, err := os.Open(fixtureDir + "distroless/distroless.truth.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	want, got := map[string]string{}, map[string]string{}
	listed := map[string]map[string]bool{}
	sizes := map[string]int64{}
	var files []string
	sc := bufio.NewScanner(tf)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		switch p[0] {
		case "package":
			fields := map[string]string{}
			for _, kv := range p[1:] {
				k, v, _ := strings.Cut(kv, ": ")
				fields[k] = v
			}
			kib, _ := strconv.ParseInt(fields["Installed-Size"], 10, 64)
			want[fields["Package"]] = fields["Version"] + " " + fields["Architecture"] + " " + strconv.FormatInt(kib*1024, 10)
		case "md5sums":
			if listed[p[1]] == nil {
				listed[p[1]] = map[string]bool{}
			}
			listed[p[1]][p[2]] = true
		case "file":
			files = append(files, sc.Text())
		}
	}
	for _, l := range files {
		p := strings.Split(l, "\t")
		if listed[p[1]][p[2]] {
			n, _ := strconv.ParseInt(p[3], 10, 64)
			sizes[p[1]] += n
		}
	}
	for _, p := range r.Packages {
		got[p.Name] = p.Version + " " + p.Arch + " " + strconv.FormatInt(deref(p.InstalledSize).(int64), 10)
		if p.Size == nil || *p.Size != sizes[p.Name] {
			t.Errorf("%s: %v bytes, its md5sums' files are %d bytes by dpkg-deb -c", p.Name, deref(p.Size), sizes[p.Name])
		}
		if !strings.HasPrefix(p.Location, "/var/lib/dpkg/status.d/") {
			t.Errorf("%s: location %s", p.Name, p.Location)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-dpkg-deb -f +strata):\n%s", diff)
	}
	if r.Distro == nil || r.Distro.ID != "debian" || r.Distro.VersionID != "12" {
		t.Errorf("distro %+v", r.Distro)
	}
}
