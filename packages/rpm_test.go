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

// rpmTruth reads rpm.truth.txt: per image (after each layer), the packages rpm -qa lists
// ("name-[epoch:]version-release.arch" → size) and the sizes of their files.
func rpmTruth(t *testing.T) (images []map[string]int64, files []map[string]int64) {
	f, err := os.Open(fixtureDir + "rpm/rpm.truth.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "# ") {
			images, files = append(images, map[string]int64{}), append(files, map[string]int64{})
			continue
		}
		p := strings.Split(l, "\t")
		if p[0] == "file" {
			n, _ := strconv.ParseInt(p[3], 10, 64)
			files[len(files)-1][p[1]] += n
			continue
		}
		ver := p[2] + "-" + p[3]
		if p[1] != "0" {
			ver = p[1] + ":" + ver
		}
		n, _ := strconv.ParseInt(p[5], 10, 64)
		images[len(images)-1][p[0]+" "+ver+" "+p[4]] = n
	}
	return images, files
}

// TestRPMImage: an image whose layers rpm itself changed (buildah mount + rpm --root):
// after every layer the packages rpm -qa lists; at the end each package's bytes (rpm -ql,
// sizes as stat says), the versions a kernel-like package keeps side by side, the
// downgrade, and the bytes the upgrade's and the removal's files still ship.
func TestRPMImage(t *testing.T) {
	img, err := load.Open(context.Background(), fixtureDir+"rpm/rpm.tar.xz", nil, load.Options{KeepMatch: Wants})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	r, err := Of(img, fstree.Merge(img.Layers), Options{})
	if err != nil {
		t.Fatal(err)
	}
	images, files := rpmTruth(t)
	cur := map[string]int64{}
	for i, l := range r.Layers {
		for _, c := range l.Changes {
			switch c.Kind {
			case KindRemoved:
				for k := range cur {
					if strings.HasPrefix(k, c.Name+" "+c.OldVersion+" ") {
						delete(cur, k)
					}
				}
			case KindFiles:
			default:
				for k := range cur {
					if c.OldVersion != "" && strings.HasPrefix(k, c.Name+" "+c.OldVersion+" ") {
						delete(cur, k)
					}
				}
				cur[c.Name+" "+c.Version+" "+c.Arch] = 0
			}
		}
		got := map[string]int64{}
		for k := range cur {
			got[k] = images[i][k]
		}
		if diff := cmp.Diff(images[i], got); diff != "" {
			t.Errorf("after layer %d (-rpm -qa +strata):\n%s", i, diff)
		}
	}
	last := files[len(files)-1]
	hidden := map[string]int64{}
	for _, p := range r.Packages {
		if p.Ecosystem != RPM {
			continue
		}
		k := p.Name + " " + p.Version + " " + p.Arch
		if p.InstalledSize == nil || *p.InstalledSize != images[len(images)-1][k] {
			t.Errorf("%s: installed_size %v, rpm says %d", k, deref(p.InstalledSize), images[len(images)-1][k])
		}
		ver := p.Version
		if i := strings.IndexByte(ver, ':'); i >= 0 {
			ver = ver[i+1:]
		}
		if want := last[p.Name+"-"+ver+"."+p.Arch]; p.Size == nil || *p.Size != want {
			t.Errorf("%s: %v bytes, rpm -ql and stat say %d", k, deref(p.Size), want)
		}
		if p.PURL == "" || p.Licenses[0] != "MIT" {
			t.Errorf("%s: purl %q, licenses %v", k, p.PURL, p.Licenses)
		}
		hidden[p.Name] += p.HiddenSize
	}
	for _, p := range r.Removed {
		hidden[p.Name+" (removed)"] += p.HiddenSize
	}
	// strata-a: 1.0's files (3028 bytes, rpm -ql of image 0) gone in layer 1, 1.1's (5028,
	// image 1) gone in layer 3; strata-b (7028, image 0) removed in layer 2.
	want := map[string]int64{"strata-a": 3028 + 5028, "strata-c": 0, "strata-k": 0, "strata-b (removed)": 7028}
	if diff := cmp.Diff(want, hidden); diff != "" {
		t.Errorf("hidden bytes (-rpm's file sizes +strata):\n%s", diff)
	}
	var a *Package
	for i := range r.Packages {
		if r.Packages[i].Name == "strata-a" {
			a = &r.Packages[i]
		}
	}
	if a == nil || a.Changed == nil || a.Changed.Layer != 3 || a.Changed.Direction != "downgrade" || a.Changed.OldVersion != "1.1-1" || a.Layer != 0 {
		t.Errorf("strata-a: %+v", a)
	}
	if r.Distro != nil {
		t.Errorf("distro %+v in an image without os-release", r.Distro)
	}
}
