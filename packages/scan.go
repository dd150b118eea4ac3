package packages

import (
	"path"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// kind is what a file means to a package reader.
type kind uint8

const (
	kNone           kind = iota
	kDpkgStatus          // /var/lib/dpkg/status
	kDpkgStatusD         // /var/lib/dpkg/status.d/NAME (distroless: one control stanza a file)
	kDpkgMD5             // /var/lib/dpkg/status.d/NAME.md5sums (distroless: the file list)
	kDpkgList            // /var/lib/dpkg/info/NAME[:ARCH].list
	kDpkgDiversions      // /var/lib/dpkg/diversions
	kAPK                 // /lib/apk/db/installed
	kRPM                 // an rpm database: rpmdb.sqlite, Packages.db (ndb), Packages (bdb)
	kRPMWal              // rpmdb.sqlite-wal
	kPyMeta              // NAME.dist-info/METADATA, NAME.egg-info/PKG-INFO, a NAME.egg-info file
	kPyRecord            // NAME.dist-info/RECORD, NAME.egg-info/installed-files.txt
	kNPM                 // node_modules/[@scope/]NAME/package.json
	kBinary              // an executable regular file: a Go binary, perhaps
	kJar                 // .jar, .war, .ear, .jpi, .hpi
	kOSRelease           // /etc/os-release, /usr/lib/os-release
)

// ecosystemOf is the ecosystem whose packages a kind states or lists.
var ecosystemOf = [...]Ecosystem{
	kDpkgStatus: Deb, kDpkgStatusD: Deb, kDpkgMD5: Deb, kDpkgList: Deb, kDpkgDiversions: Deb,
	kAPK: APK, kRPM: RPM, kRPMWal: RPM, kPyMeta: Python, kPyRecord: Python, kNPM: NPM,
	kBinary: Go, kJar: Java, kOSRelease: "",
}

const (
	dpkgDir = "/var/lib/dpkg/"
	// minBinary is the smallest executable probed for Go build info (a Go binary is
	// megabytes; a script or a tiny ELF is not one).
	minBinary = 4 << 10
)

var rpmDirs = map[string]bool{"/var/lib/rpm": true, "/usr/lib/sysimage/rpm": true, "/usr/share/rpm": true}

// classify says what the entry at p means. It looks at names only (and, for executables,
// mode and size): it runs on every entry of every layer.
func classify(p string, e *image.Entry) kind {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return kNone
	}
	dir, base := p[:i], p[i+1:]
	switch base {
	case "METADATA", "RECORD":
		if strings.HasSuffix(dir, ".dist-info") {
			if base == "METADATA" {
				return kPyMeta
			}
			return kPyRecord
		}
	case "PKG-INFO":
		if strings.HasSuffix(dir, ".egg-info") {
			return kPyMeta
		}
	case "installed-files.txt":
		if strings.HasSuffix(dir, ".egg-info") {
			return kPyRecord
		}
	case "package.json":
		if isNPMPackageDir(dir) {
			return kNPM
		}
	case "installed":
		if p == "/lib/apk/db/installed" || p == "/usr/lib/apk/db/installed" {
			return kAPK
		}
	case "rpmdb.sqlite", "Packages.db", "Packages":
		if rpmDirs[dir] {
			return kRPM
		}
	case "rpmdb.sqlite-wal":
		if rpmDirs[dir] {
			return kRPMWal
		}
	case "os-release":
		if p == "/etc/os-release" || p == "/usr/lib/os-release" {
			return kOSRelease
		}
	case "status":
		if p == "/var/lib/dpkg/status" {
			return kDpkgStatus
		}
	case "diversions":
		if p == "/var/lib/dpkg/diversions" {
			return kDpkgDiversions
		}
	}
	if strings.HasPrefix(p, dpkgDir) {
		switch dir {
		case "/var/lib/dpkg/status.d":
			if strings.HasSuffix(base, ".md5sums") {
				return kDpkgMD5
			}
			return kDpkgStatusD
		case "/var/lib/dpkg/info":
			if strings.HasSuffix(base, ".list") {
				return kDpkgList
			}
		}
	}
	if e.Type != image.TypeFile && e.Type != image.TypeHardlink {
		return kNone
	}
	if strings.HasSuffix(base, ".egg-info") && e.Type == image.TypeFile {
		return kPyMeta
	}
	if dot := strings.LastIndexByte(base, '.'); dot >= 0 {
		switch strings.ToLower(base[dot:]) {
		case ".jar", ".war", ".ear", ".jpi", ".hpi":
			return kJar
		}
	}
	if e.Type == image.TypeFile && e.Mode&0o111 != 0 && e.Size >= minBinary {
		return kBinary
	}
	return kNone
}

// isNPMPackageDir reports whether dir is node_modules/NAME or node_modules/@scope/NAME.
func isNPMPackageDir(dir string) bool {
	i := strings.LastIndexByte(dir, '/')
	if i < 0 || dir[i+1:] == "" || dir[i+1] == '.' {
		return false
	}
	parent := dir[:i]
	if strings.HasSuffix(parent, "/node_modules") {
		return dir[i+1] != '@'
	}
	j := strings.LastIndexByte(parent, '/')
	return j >= 0 && strings.HasPrefix(parent[j+1:], "@") && strings.HasSuffix(parent[:j], "/node_modules")
}

// version is one layer's entry at a location: visible from Layer up to (not including)
// Until (the layer that hid it; the layer count when the final image shows it).
type version struct {
	loc   *location
	layer int
	until int
	entry *image.Entry // the content's entry (a hardlink's target, once resolved)
	elay  int          // the layer holding entry
	link  string       // a hardlink's target path, while unresolved
	hard  bool         // the entry at the location is a hardlink

	// What reading it gave.
	read   bool
	pkgs   []*pkgInfo // the packages it states
	list   []string   // the file list it states (dpkg .list and md5sums, RECORD, installed-files.txt)
	divert map[string]diversion
	osrel  *Distro
	data   []byte // RPM: the database bytes, kept until its WAL companion is read too
	parsed bool   // RPM: pkgs were parsed as it was read (no log changes it)
}

// location is a path whose entries a package reader reads, with every layer's version.
type location struct {
	path     string
	kind     kind
	versions []*version // in layer order
}

// at returns the version visible after layer l, or nil.
func (loc *location) at(l int) *version {
	for i := len(loc.versions) - 1; i >= 0; i-- {
		v := loc.versions[i]
		if v.layer <= l && l < v.until {
			return v
		}
	}
	return nil
}

// scanned is what the scan of every layer's entries found.
type scanned struct {
	locs   map[string]*location
	order  []*location // by path
	layers int
}

// scan finds, in one pass over every layer's entries, each entry a package reader reads,
// and from the merge's hidden list the layer that hid each.
func scan(img *image.Image, fs *fstree.FS) *scanned {
	s := &scanned{locs: map[string]*location{}, layers: len(img.Layers)}
	// An entry is known by its layer too: a blob an image lists twice (two identical
	// layers) gives both layers the same entries.
	byEntry := map[entryAt]*version{}
	var links []*version
	for li, l := range img.Layers {
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Whiteout != image.NotWhiteout {
				continue
			}
			k := classify(e.Path, e)
			if k == kNone {
				continue
			}
			loc := s.locs[e.Path]
			if loc == nil {
				loc = &location{path: e.Path, kind: k}
				s.locs[e.Path] = loc
			} else if loc.kind != k {
				// The same path, another meaning (an executable that became a jar name…):
				// the later entry decides.
				loc.kind = k
			}
			v := &version{loc: loc, layer: li, until: len(img.Layers), entry: e, elay: li}
			if e.Type == image.TypeHardlink {
				v.hard, v.link, v.entry = true, e.Link(), nil
				links = append(links, v)
			} else if e.Type != image.TypeFile {
				v.entry = nil // a directory or symlink where a file was: no content
			}
			loc.versions = append(loc.versions, v)
			byEntry[entryAt{e, li}] = v
		}
	}
	for _, h := range fs.Hidden {
		if v := byEntry[entryAt{h.Entry, h.Layer}]; v != nil {
			v.until = h.By
		}
	}
	if len(links) > 0 {
		resolveLinks(img, fs, links)
	}
	for _, loc := range s.locs {
		s.order = append(s.order, loc)
	}
	sort.Slice(s.order, func(i, j int) bool { return s.order[i].path < s.order[j].path })
	return s
}

// entryAt is an entry in one layer.
type entryAt struct {
	e     *image.Entry
	layer int
}

// resolveLinks finds the entry each hardlink version shares its content with: the regular
// file at the link's target path as of the link's layer (the latest entry there not hidden
// before that layer).
func resolveLinks(img *image.Image, fs *fstree.FS, links []*version) {
	want := map[string][]*version{}
	for _, v := range links {
		want[path.Clean("/"+v.link)] = append(want[path.Clean("/"+v.link)], v)
	}
	type cand struct {
		layer int
		e     *image.Entry
	}
	found := map[string][]cand{}
	for li, l := range img.Layers {
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Type == image.TypeFile && e.Whiteout == image.NotWhiteout && want[e.Path] != nil {
				found[e.Path] = append(found[e.Path], cand{li, e})
			}
		}
	}
	hiddenBy := map[entryAt]int{}
	for _, h := range fs.Hidden {
		for _, c := range found[h.Entry.Path] {
			if c.e == h.Entry && c.layer == h.Layer {
				hiddenBy[entryAt{c.e, c.layer}] = h.By
			}
		}
	}
	for p, vs := range want {
		for _, v := range vs {
			for _, c := range found[p] {
				until, hidden := hiddenBy[entryAt{c.e, c.layer}]
				if c.layer <= v.layer && (!hidden || until > v.layer || until == v.layer && c.layer == v.layer) {
					v.entry, v.elay = c.e, c.layer
				}
			}
		}
	}
}

// Wants reports whether a reader of packages reads an entry's content: what a streamed
// input (standard input) must keep as it passes (load.Options.KeepMatch), since it cannot
// be read again.
func Wants(e *image.Entry) bool {
	switch classify(e.Path, e) {
	case kNone:
		return false
	}
	return true
}
