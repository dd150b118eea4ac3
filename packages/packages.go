// Package packages says what software an image holds and where it came from: the packages
// each ecosystem's database or metadata states (dpkg, apk, rpm, Python, npm, Go binaries,
// Java archives), the layer that installed each and the layer that last changed it (with
// the version before), the bytes its own files take in the final filesystem and the bytes
// its earlier versions (or, for a removed package, its files) still ship in lower layers.
package packages

import "github.com/strata-dev/strata/internal/image"

// Ecosystem names a kind of package (the JSON `ecosystem`).
type Ecosystem string

// The ecosystems strata reads.
const (
	Deb    Ecosystem = "deb"    // dpkg: /var/lib/dpkg/status, distroless status.d/, info/*.list
	APK    Ecosystem = "apk"    // Alpine: /lib/apk/db/installed
	RPM    Ecosystem = "rpm"    // rpm databases: sqlite, ndb (Packages.db), bdb (Packages)
	Python Ecosystem = "python" // *.dist-info (METADATA, RECORD), *.egg-info (PKG-INFO, installed-files.txt)
	NPM    Ecosystem = "npm"    // node_modules/**/package.json
	Go     Ecosystem = "go"     // build info of Go executables: main module, dependencies, toolchain
	Java   Ecosystem = "java"   // META-INF/maven/**/pom.properties inside .jar/.war/.ear (nested too)
)

// Report is the result of `strata packages`.
type Report struct {
	Source   image.Source `json:"source"`
	ID       string       `json:"id"`
	RepoTags []string     `json:"repo_tags"`
	// Distro is the final filesystem's os-release (null when it has none); purls of
	// distribution packages name it.
	Distro *Distro `json:"distro"`
	// Packages are the packages of the final image, sorted by ecosystem, name, architecture
	// and location.
	Packages []Package `json:"packages"`
	// Removed are packages some layer installed and a later one removed, with the bytes
	// their files still ship.
	Removed []Removed `json:"removed"`
	// Layers are every layer's package changes and bytes, from the base up.
	Layers []Layer `json:"layers"`
	// Read says, per ecosystem, how many database and metadata file versions were read
	// and their bytes.
	Read []Read `json:"read"`
	// Warnings name what could not be read (a malformed database, a binary over a limit):
	// the packages it holds are missing from the report.
	Warnings []string `json:"warnings"`
}

// Distro identifies the distribution, as /etc/os-release (or /usr/lib/os-release) says.
type Distro struct {
	ID        string `json:"id"`         // ID: debian, ubuntu, alpine, fedora, rhel, …
	VersionID string `json:"version_id"` // VERSION_ID: 12, 3.19.1, 39, …
	Name      string `json:"name"`       // PRETTY_NAME
}

// Package is one package of the final image.
type Package struct {
	Ecosystem Ecosystem `json:"ecosystem"`
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	Arch      string    `json:"architecture"` // "" when the ecosystem has none
	// Location is the database or metadata file that states the package: the dpkg status
	// file, a dist-info directory, a package.json, a binary, a jar (jar!inner.jar for a
	// nested one).
	Location string `json:"location"`
	// Layer is the layer that installed the package (the start of its present run: a
	// package removed and installed again counts from the second install), CreatedBy that
	// layer's history command.
	Layer     int    `json:"layer"`
	CreatedBy string `json:"created_by"`
	// Changed is the last layer that changed the package's version since then; null when
	// none did.
	Changed *Change `json:"changed"`
	// Size is the bytes of the package's own files in the final filesystem, as its file
	// list names them (directories' symbolic links followed, each inode once: a hardlink or
	// a second name counts once); Files counts them. Both are null when the ecosystem
	// states no file list for it (a Go module inside a binary, an egg-info without
	// installed-files.txt).
	Size  *int64 `json:"size"`
	Files *int   `json:"files"`
	// HiddenSize is the bytes of regular files this package's lists named in lower layers
	// that the final filesystem does not show (overwritten by a later version or another
	// layer, or deleted): what its history still ships. HiddenFiles counts them.
	HiddenSize  int64 `json:"hidden_size"`
	HiddenFiles int   `json:"hidden_files"`
	// LayerSizes are the bytes of this package's files each layer ships (regular files,
	// as the layer's tar stores them), for the layers that ship any.
	LayerSizes []LayerSize `json:"layer_sizes"`
	// InstalledSize is what the database states (dpkg's Installed-Size, in KiB there, here
	// in bytes; apk's I:; rpm's SIZE); null when it states none.
	InstalledSize *int64 `json:"installed_size"`
	// Licenses are as the database or metadata states them ([] when it states none: dpkg
	// keeps no license).
	Licenses []string `json:"licenses"`
	PURL     string   `json:"purl"`
	// Source is the source package (dpkg Source, rpm SOURCERPM, apk origin), "" otherwise.
	Source string `json:"source"`
}

// Change is a version change of a package by a layer.
type Change struct {
	Layer      int    `json:"layer"`
	CreatedBy  string `json:"created_by"`
	OldVersion string `json:"old_version"`
	// Direction is "upgrade" or "downgrade" by the ecosystem's own version order, or
	// "change" when the two versions are equal in that order but spelled differently.
	Direction string `json:"direction"`
}

// LayerSize is the bytes of a package's files one layer ships.
type LayerSize struct {
	Layer int   `json:"layer"`
	Size  int64 `json:"size"`
	Files int   `json:"files"`
}

// Removed is a package a layer removed.
type Removed struct {
	Ecosystem   Ecosystem `json:"ecosystem"`
	Name        string    `json:"name"`
	Version     string    `json:"version"` // the last version present
	Arch        string    `json:"architecture"`
	Location    string    `json:"location"`
	Layer       int       `json:"layer"` // installed in
	CreatedBy   string    `json:"created_by"`
	RemovedIn   int       `json:"removed_layer"`
	RemovedBy   string    `json:"removed_by"`
	HiddenSize  int64     `json:"hidden_size"` // bytes its files still ship in lower layers
	HiddenFiles int       `json:"hidden_files"`
	PURL        string    `json:"purl"`
}

// Layer is one layer's package changes.
type Layer struct {
	Index     int    `json:"index"`
	DiffID    string `json:"diff_id"`
	CreatedBy string `json:"created_by"`
	// Counts of Changes by kind.
	Installed  int `json:"installed"`
	Upgraded   int `json:"upgraded"`
	Downgraded int `json:"downgraded"`
	Removed    int `json:"removed"`
	// Size is the bytes of regular files this layer ships that a package's list names;
	// UnownedSize those no package names (caches, generated files, app code).
	Size        int64 `json:"size"`
	UnownedSize int64 `json:"unowned_size"`
	// Changes are this layer's package changes and the packages whose files it ships, by
	// size (largest first), then ecosystem and name.
	Changes []LayerChange `json:"changes"`
}

// The kinds of LayerChange.
const (
	KindInstalled  = "installed"
	KindUpgraded   = "upgraded"
	KindDowngraded = "downgraded"
	KindChanged    = "changed" // the version string changed, equal in the ecosystem's order
	KindRemoved    = "removed"
	KindFiles      = "files" // the version did not change, but the layer ships the package's files
)

// LayerChange is one package a layer changed, or whose files it ships.
type LayerChange struct {
	Kind       string    `json:"kind"`
	Ecosystem  Ecosystem `json:"ecosystem"`
	Name       string    `json:"name"`
	Arch       string    `json:"architecture"`
	Location   string    `json:"location"`
	Version    string    `json:"version"`     // after the layer ("" when removed)
	OldVersion string    `json:"old_version"` // before it ("" when installed)
	Size       int64     `json:"size"`        // bytes of the package's files this layer ships
	Files      int       `json:"files"`
}

// Read says what was read for one ecosystem.
type Read struct {
	Ecosystem Ecosystem `json:"ecosystem"`
	// Files counts the file versions read: a database that three layers wrote counts 3.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Databases are the database paths found (dpkg, apk, rpm); [] for the ecosystems whose
	// metadata lives beside each package.
	Databases []string `json:"databases"`
}
