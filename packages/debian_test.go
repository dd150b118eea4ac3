package packages

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// The Debian fixture (testdata/packages/make-fixtures.sh): a mmdebstrap bookworm with
// python3 imported by Docker, then layers of dpkg -i (install, upgrade, downgrade), dpkg -r,
// an app (npm, Go, pip) and a clean-up; debian.truth.json is what dpkg-query, importlib and
// the layer tars say (oracle-in-image.py, oracle-layers.py).

const fixtureDir = "../testdata/packages/"

var debian struct {
	once sync.Once
	img  *image.Image
	fs   *fstree.FS
	r    *Report
	err  error
}

func debianReport(t *testing.T) (*image.Image, *Report) {
	t.Helper()
	debian.once.Do(func() {
		img, err := load.Open(context.Background(), fixtureDir+"debian.tar.zst", nil, load.Options{KeepMatch: Wants})
		if err != nil {
			debian.err = err
			return
		}
		debian.img, debian.fs = img, fstree.Merge(img.Layers)
		debian.r, debian.err = Of(img, debian.fs, Options{})
	})
	if debian.err != nil {
		t.Fatal(debian.err)
	}
	return debian.img, debian.r
}

type truthPkg struct {
	Status           string `json:"status"`
	Name             string `json:"name"`
	Arch             string `json:"architecture"`
	Version          string `json:"version"`
	InstalledSizeKiB *int64 `json:"installed_size_kib"`
	Source           string `json:"source"`
	SourceVersion    string `json:"source_version"`
}

type truthSize struct {
	Size  int64 `json:"size"`
	Files int   `json:"files"`
}

type debianTruth struct {
	Layers []struct {
		Index     int        `json:"index"`
		CreatedBy string     `json:"created_by"`
		Dpkg      []truthPkg `json:"dpkg"`
		Python    []struct {
			Name, Version, Path, License string
		} `json:"python"`
	} `json:"layers"`
	Dpkg map[string]struct {
		Final       bool                 `json:"final"`
		Version     string               `json:"version"`
		Size        int64                `json:"size"`
		Files       int                  `json:"files"`
		HiddenSize  int64                `json:"hidden_size"`
		HiddenFiles int                  `json:"hidden_files"`
		Layers      map[string]truthSize `json:"layers"`
	} `json:"dpkg"`
	Python []struct {
		Name, Version, Path string
		Size                int64
		Files, Listed       int
	} `json:"python"`
}

func readTruth(t *testing.T) *debianTruth {
	b, err := os.ReadFile(fixtureDir + "debian.truth.json")
	if err != nil {
		t.Fatal(err)
	}
	var tr debianTruth
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return &tr
}

// replay rebuilds, from the report's per-layer changes, which packages of one ecosystem
// each layer leaves: "name:arch" → version.
func replay(r *Report, eco Ecosystem) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	for _, l := range r.Layers {
		for _, c := range l.Changes {
			if c.Ecosystem != eco {
				continue
			}
			k := c.Name + ":" + c.Arch
			if eco == Python {
				k = c.Location
			}
			switch c.Kind {
			case KindRemoved:
				delete(cur, k)
			case KindFiles:
			default:
				cur[k] = c.Version
			}
		}
		next := map[string]string{}
		for k, v := range cur {
			next[k] = v
		}
		out = append(out, next)
	}
	return out
}

// TestDebianLayersAgainstDpkg: after every layer, the packages strata's changes leave are
// exactly those dpkg-query -W lists (in a state that keeps files), at the same versions.
func TestDebianLayersAgainstDpkg(t *testing.T) {
	_, r := debianReport(t)
	tr := readTruth(t)
	states := replay(r, Deb)
	if len(states) != len(tr.Layers) {
		t.Fatalf("%d layers, dpkg saw %d images", len(states), len(tr.Layers))
	}
	for i, l := range tr.Layers {
		want := map[string]string{}
		for _, p := range l.Dpkg {
			if len(p.Status) >= 2 && !strings.ContainsRune("nc", rune(p.Status[1])) {
				want[p.Name+":"+p.Arch] = p.Version
			}
		}
		if diff := cmp.Diff(want, states[i]); diff != "" {
			t.Errorf("after layer %d (%s) (-dpkg-query +strata):\n%s", i, l.CreatedBy, diff)
		}
		if r.Layers[i].CreatedBy != l.CreatedBy {
			t.Errorf("layer %d created_by %q, docker history says %q", i, r.Layers[i].CreatedBy, l.CreatedBy)
		}
	}
}

// TestDebianFinalAgainstDpkg: every package of the last image: version, architecture,
// Installed-Size, source; its bytes there (dpkg -L resolved in the container, each inode
// once), the bytes each layer's tar holds of it and those a later layer hides.
func TestDebianFinalAgainstDpkg(t *testing.T) {
	_, r := debianReport(t)
	tr := readTruth(t)
	last := tr.Layers[len(tr.Layers)-1]
	byKey := map[string]truthPkg{}
	for _, p := range last.Dpkg {
		byKey[p.Name+":"+p.Arch] = p
	}
	n := 0
	for _, p := range r.Packages {
		if p.Ecosystem != Deb {
			continue
		}
		n++
		k := p.Name + ":" + p.Arch
		w, ok := byKey[k]
		if !ok {
			t.Errorf("%s: not listed by dpkg-query", k)
			continue
		}
		if p.Version != w.Version {
			t.Errorf("%s: version %q, dpkg says %q", k, p.Version, w.Version)
		}
		if w.InstalledSizeKiB != nil && (p.InstalledSize == nil || *p.InstalledSize != *w.InstalledSizeKiB*1024) {
			t.Errorf("%s: installed_size %v, dpkg says %d KiB", k, p.InstalledSize, *w.InstalledSizeKiB)
		}
		src, _, _ := strings.Cut(p.Source, " ")
		if src == "" {
			src = p.Name
		}
		if src != w.Source {
			t.Errorf("%s: source %q, dpkg says %q", k, src, w.Source)
		}
		ws := tr.Dpkg[k]
		if p.Size == nil || *p.Size != ws.Size || *p.Files != ws.Files {
			t.Errorf("%s: %v bytes in %v files, the container says %d in %d", k, deref(p.Size), deref(p.Files), ws.Size, ws.Files)
		}
		if p.HiddenSize != ws.HiddenSize || p.HiddenFiles != ws.HiddenFiles {
			t.Errorf("%s: hidden %d bytes in %d files, the layer tars say %d in %d", k, p.HiddenSize, p.HiddenFiles, ws.HiddenSize, ws.HiddenFiles)
		}
		got := map[string]truthSize{}
		for _, ls := range p.LayerSizes {
			got[strconv.Itoa(ls.Layer)] = truthSize{ls.Size, ls.Files}
		}
		want := ws.Layers
		if want == nil {
			want = map[string]truthSize{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: bytes per layer (-layer tars +strata):\n%s", k, diff)
		}
	}
	if want := countPresent(last.Dpkg); n != want {
		t.Errorf("%d deb packages, dpkg-query lists %d", n, want)
	}
}

func countPresent(ps []truthPkg) int {
	n := 0
	for _, p := range ps {
		if len(p.Status) >= 2 && !strings.ContainsRune("nc", rune(p.Status[1])) {
			n++
		}
	}
	return n
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestDebianChanges: the install, upgrade, downgrade and removal layers, as dpkg saw them.
func TestDebianChanges(t *testing.T) {
	_, r := debianReport(t)
	got := map[int][]string{}
	for _, l := range r.Layers {
		for _, c := range l.Changes {
			if c.Kind != KindFiles && l.Index > 0 {
				got[l.Index] = append(got[l.Index], string(c.Ecosystem)+" "+c.Kind+" "+c.Name+" "+c.OldVersion+" "+c.Version)
			}
		}
		sort.Strings(got[l.Index])
	}
	want := map[int][]string{
		1: {"deb installed hello  2.10-3", "deb installed libcommons-cli-java  1.5.0-1", "deb installed netbase  6.5", "deb installed python3-six  1.16.0-4",
			"java installed commons-cli:commons-cli  1.5.0", "python installed six  1.16.0"},
		2: {"deb installed sensible-utils  0.0.25", "deb upgraded python3-six 1.16.0-4 1.17.0-1", "python upgraded six 1.16.0 1.17.0"},
		3: {"deb downgraded netbase 6.5 6.4", "deb downgraded sensible-utils 0.0.25 0.0.17+nmu1"},
		4: {"deb removed hello 2.10-3 "},
		5: {"go installed example.com/strata/gohello  (devel)", "go installed github.com/google/go-cmp  v0.6.0", "go installed stdlib  go1.26.8",
			"npm installed @isaacs/string-locale-compare  1.1.0", "npm installed debug  2.6.9", "npm installed ms  2.0.0", "npm installed ms  2.1.2",
			"python installed strata-fixture-py  1.0"},
		6: {"go upgraded github.com/google/go-cmp v0.6.0 v0.7.0", "npm upgraded ms 2.1.2 2.1.3", "python upgraded strata-fixture-py 1.0 1.1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes per layer (-want +got):\n%s", diff)
	}
}

// TestDebianApps: the app layers' packages against npm ls, go version -m, importlib and
// the jar's pom.properties (testdata/packages/*.truth.txt).
func TestDebianApps(t *testing.T) {
	_, r := debianReport(t)
	tr := readTruth(t)
	got := map[string]string{}
	for _, p := range r.Packages {
		switch p.Ecosystem {
		case NPM:
			got["npm "+strings.TrimSuffix(p.Location, "/package.json")+":"+p.Name+"@"+p.Version] = p.PURL
		case Go:
			got["go "+p.Location+" "+p.Name+" "+p.Version] = p.PURL
		case Java:
			got["java "+p.Location+" "+p.Name+" "+p.Version] = p.PURL
		case Python:
			got["python "+p.Location+" "+p.Name+" "+p.Version] = p.PURL
		}
	}
	want := map[string]string{}
	lines := func(name string) []string {
		b, err := os.ReadFile(fixtureDir + name)
		if err != nil {
			t.Fatal(err)
		}
		// the last section is the last layer's
		parts := strings.Split(string(b), "\n# ")
		return strings.Split(strings.TrimSpace(parts[len(parts)-1]), "\n")[1:]
	}
	for _, l := range lines("npm.truth.txt") {
		if strings.Contains(l, "/node_modules/") {
			dir, id, _ := strings.Cut(l, ":")
			at := strings.LastIndexByte(id, '@')
			name, ver := id[:at], id[at+1:]
			scope := ""
			if strings.HasPrefix(name, "@") {
				scope, name, _ = strings.Cut(name, "/")
				scope = "%40" + scope[1:] + "/"
			}
			want["npm "+l] = "pkg:npm/" + scope + name + "@" + ver
			_ = dir
		}
	}
	bin := ""
	for _, l := range lines("go.truth.txt") {
		f := strings.Split(strings.TrimSpace(l), "\t")
		switch {
		case strings.HasSuffix(f[0], ":"): // "/usr/local/bin/gohello: go1.26.8"
		case f[0] == "path":
		case f[0] == "mod":
			want["go /usr/local/bin/gohello "+f[1]+" "+f[2]] = "pkg:golang/example.com/strata/gohello"
		case f[0] == "dep":
			want["go /usr/local/bin/gohello "+f[1]+" "+f[2]] = "pkg:golang/github.com/google/go-cmp@" + f[2]
		}
		if strings.HasPrefix(l, "/") {
			bin = l
		}
	}
	goVersion := strings.TrimSpace(bin[strings.IndexByte(bin, ':')+1:])
	want["go /usr/local/bin/gohello stdlib "+goVersion] = "pkg:golang/stdlib@" + goVersion
	props := parseProperties([]byte(strings.Join(lines("java.truth.txt"), "\n")))
	want["java /usr/share/java/commons-cli.jar "+props["groupId"]+":"+props["artifactId"]+" "+props["version"]] = "pkg:maven/commons-cli/commons-cli@1.5.0"
	for _, p := range tr.Layers[len(tr.Layers)-1].Python {
		want["python "+p.Path+" "+p.Name+" "+p.Version] = "pkg:pypi/" + pyName(p.Name) + "@" + p.Version
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("application packages (-tools +strata):\n%s", diff)
	}
	// Python bytes: the files importlib lists (RECORD), regular in the image.
	for _, w := range tr.Python {
		for _, p := range r.Packages {
			if p.Ecosystem == Python && p.Location == w.Path {
				switch {
				case w.Listed == 0 && p.Size != nil:
					t.Errorf("%s: size %d, but it lists no files", w.Path, *p.Size)
				case w.Listed > 0 && (p.Size == nil || *p.Size != w.Size || *p.Files != w.Files):
					t.Errorf("%s: %v bytes in %v files, importlib's list says %d in %d", w.Path, deref(p.Size), deref(p.Files), w.Size, w.Files)
				}
			}
		}
	}
}
