// Package image is strata's one model of an image: identity, config, history and layers of
// tar-header entries, whatever archive format it was read from.
package image

import (
	"fmt"
	"io"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Format names the kind of input an image was read from (the JSON `source.format`).
type Format string

// The input formats strata reads.
const (
	FormatDockerArchive    Format = "docker-archive"     // legacy docker save, podman/skopeo docker-archive
	FormatDockerArchiveOCI Format = "docker-archive-oci" // Docker 25+ save (oci-layout + manifest.json)
	FormatDockerArchiveV1  Format = "docker-archive-v1"  // pre-1.10 docker save (<id>/json chained by parent, repositories)
	FormatOCIArchive       Format = "oci-archive"        // tar of an OCI image layout
	FormatOCILayout        Format = "oci-layout"         // OCI image layout directory
	FormatRootfs           Format = "rootfs"             // docker export or any root-filesystem tarball
	FormatDir              Format = "dir"                // containers/image dir: layout directory (skopeo, podman save --format docker-dir)
	FormatDirArchive       Format = "dir-archive"        // tar of a dir: layout
	FormatRegistry         Format = "registry"           // read from a registry (docker://REF, or a reference that is no path)
	FormatDockerRoot       Format = "docker-root"        // a Docker engine's data root (graph drivers overlay2, vfs)
	FormatContainerdRoot   Format = "containerd-root"    // a containerd root (content store, overlayfs snapshotter)
	FormatStorageRoot      Format = "containers-storage" // a containers/storage graph root (podman, buildah, CRI-O: overlay, vfs)
)

// Source says where an image came from.
type Source struct {
	Path        string `json:"path"`
	Format      Format `json:"format"`
	Compression string `json:"compression"` // of the whole input: none, gzip, zstd, xz, bzip2
}

// Image is one image read from an archive. A rootfs tarball is an Image with one layer,
// a nil Config and an empty ID.
type Image struct {
	Source   Source
	ID       string   // sha256:<config digest>; "" for rootfs
	Digest   string   // manifest digest when the archive records one (OCI formats); "" otherwise
	RepoTags []string // as the archive names them; nil when untagged
	Config   *v1.ConfigFile
	// Annotations are the image manifest's (OCI formats; nil otherwise), e.g. the
	// org.opencontainers.image.base.* keys a build tool records.
	Annotations map[string]string
	// RawConfig is the config document as stored (its sha256 is ID); nil for rootfs.
	RawConfig []byte
	Layers    []*Layer
	// Platform is os/arch[/variant] as the index descriptor that selected the image says it
	// (containerd selects on the descriptor); "" when no descriptor named one. The config's
	// own os and architecture stay in Config.
	Platform string
	// Warnings are what the loader noticed and worked around (for example documents of one
	// archive that disagree, and which one was followed), each one line for `strata: warning:`.
	Warnings []string

	Closer io.Closer // releases the input; nil when nothing is held open
	// Container is set when the image is a container read from an engine's data root: then
	// Layers are the image's, the engine's init layer (Docker) and the writable layer.
	Container *Container
}

// Close releases the input the image was read from.
func (img *Image) Close() error {
	if img.Closer == nil {
		return nil
	}
	return img.Closer.Close()
}

// Layer is one layer of an image, in order from the base up.
type Layer struct {
	Index       int
	DiffID      string // sha256 of the uncompressed tar, from the config ("" for rootfs)
	Digest      string // digest of the blob as stored, when the archive names it
	MediaType   string
	URLs        []string // where a foreign (non-distributable) layer's blob is fetched from, per its descriptor
	Member      string   // archive member (or layout file) holding the blob
	Compression string   // of the stored blob: none, gzip, zstd, xz, bzip2
	TarSize     int64    // bytes of the blob as stored
	Verified    bool     // DiffID and Digest were recomputed from the bytes and match the archive's claims
	History     *v1.History
	Entries     []Entry
	// Unread: the layer's blob was not read (history of a registry image, inspect
	// --no-files), so Entries is nil and Size and Files are unknown, not 0; only the
	// descriptor's facts (DiffID, Digest, MediaType, TarSize) are known.
	Unread bool

	// Open returns the uncompressed layer stream again, for content reads. Nil when the input
	// was streamed (stdin or a compressed file) and cannot be re-read.
	Open func() (io.ReadCloser, error) `json:"-"`
	// ReaderAt reads the uncompressed layer at random (an entry's content is at its Offset);
	// nil unless the layer is stored uncompressed in a seekable input. Safe for concurrent use.
	ReaderAt io.ReaderAt `json:"-"`
	// Kept holds the content of regular files a streamed input kept as it passed
	// (load.Options.Keep), by entry Offset; nil otherwise.
	Kept map[int64][]byte `json:"-"`
	// MaxSparse bounds the logical size (holes included) of a sparse file whose content is
	// read from this layer: the loader's limit (--limit sparse), carried with the layer it
	// read under it; 0 means none.
	MaxSparse int64 `json:"-"`
}

// Foreign reports whether the layer is a foreign (non-distributable) layer: its blob is
// fetched from URLs rather than shipped with the image.
func (l *Layer) Foreign() bool {
	return l.MediaType == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" ||
		strings.HasPrefix(l.MediaType, "application/vnd.oci.image.layer.nondistributable.")
}

// CreatedBy is the history command that made the layer, or "".
func (l *Layer) CreatedBy() string {
	if l.History == nil {
		return ""
	}
	return l.History.CreatedBy
}

// Size is the sum of the layer's regular-file sizes: what `docker history` reports.
func (l *Layer) Size() int64 {
	var n int64
	for i := range l.Entries {
		if l.Entries[i].Type == TypeFile {
			n += l.Entries[i].Size
		}
	}
	return n
}

// Files counts the layer's entries that are not whiteouts.
func (l *Layer) Files() int {
	n := 0
	for i := range l.Entries {
		if l.Entries[i].Whiteout == NotWhiteout {
			n++
		}
	}
	return n
}

// Type is an entry's file type.
type Type uint8

// Entry types, named as in the JSON contract.
const (
	TypeFile Type = iota
	TypeDir
	TypeSymlink
	TypeHardlink
	TypeChar
	TypeBlock
	TypeFifo
)

var typeNames = [...]string{"file", "dir", "symlink", "hardlink", "char", "block", "fifo"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// MarshalText makes a Type its contract name in JSON.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// AppendText appends the contract name (render streams it without allocating).
func (t Type) AppendText(b []byte) ([]byte, error) { return append(b, t.String()...), nil }

// UnmarshalText reads a Type's contract name (for readers of strata's JSON).
func (t *Type) UnmarshalText(p []byte) error {
	for i, n := range typeNames {
		if n == string(p) {
			*t = Type(i)
			return nil
		}
	}
	return fmt.Errorf("unknown entry type %q", p)
}

// Whiteout says whether an entry is an OCI whiteout marker.
type Whiteout uint8

const (
	NotWhiteout    Whiteout = iota
	WhiteoutDelete          // `.wh.<name>`: Path is the deleted path
	WhiteoutOpaque          // `.wh..wh..opq`: Path is the directory whose lower children are hidden
)

// Entry is one tar header of a layer, normalised. Content is not held. Fields are laid out
// to keep the struct small (72 bytes): an image can have millions of entries. The facts few
// entries have — a link target, a capability xattr, device numbers, a digest computed while
// loading — are held behind one pointer, nil for most entries, and read with methods.
type Entry struct {
	Path     string // absolute, cleaned; "/" for the root
	Size     int64  // regular files only
	Offset   int64  // offset of the content in the uncompressed layer stream
	MTime    int64  // modification time, Unix nanoseconds
	UID, GID int
	Mode     uint32 // permission and special bits (07777)
	Type     Type
	Whiteout Whiteout
	Escapes  bool // the raw name climbed out of the root with ".." (clamped for reporting)
	Sparse   bool // a GNU sparse file: Size is its logical size; the stored bytes are fewer

	rare *rare // nil when every rare fact is zero
}

// rare holds what most entries lack. It is never changed once an Entry points at it (the
// setters copy it), so copies of an Entry stay independent values.
type rare struct {
	link, caps, digest string
	major, minor       uint32
}

// Link is a symlink's target as written, or a hardlink's target as an absolute cleaned path.
func (e *Entry) Link() string {
	if e.rare == nil {
		return ""
	}
	return e.rare.link
}

// Caps is the security.capability xattr, raw, when present.
func (e *Entry) Caps() string {
	if e.rare == nil {
		return ""
	}
	return e.rare.caps
}

// Digest is the sha256 (or other algorithm, prefixed) of the content, when it was computed
// while loading (streamed input); "" otherwise.
func (e *Entry) Digest() string {
	if e.rare == nil {
		return ""
	}
	return e.rare.digest
}

// Device returns the device numbers of a char or block device (0, 0 otherwise).
func (e *Entry) Device() (major, minor uint32) {
	if e.rare == nil {
		return 0, 0
	}
	return e.rare.major, e.rare.minor
}

// SetLink sets the link target.
func (e *Entry) SetLink(s string) { e.change(func(r *rare) { r.link = s }) }

// SetCaps sets the security.capability xattr.
func (e *Entry) SetCaps(s string) { e.change(func(r *rare) { r.caps = s }) }

// SetDigest sets the content digest.
func (e *Entry) SetDigest(s string) { e.change(func(r *rare) { r.digest = s }) }

// SetDevice sets the device numbers.
func (e *Entry) SetDevice(major, minor uint32) {
	e.change(func(r *rare) { r.major, r.minor = major, minor })
}

func (e *Entry) change(f func(*rare)) {
	var r rare
	if e.rare != nil {
		r = *e.rare
	}
	f(&r)
	if r == (rare{}) {
		e.rare = nil
		return
	}
	e.rare = &r
}

// ModTime returns the entry's modification time in UTC.
func (e *Entry) ModTime() time.Time { return time.Unix(0, e.MTime).UTC() }

// Time is a timestamp that is null in JSON when unknown, RFC 3339 (UTC) otherwise.
type Time struct{ time.Time }

// MarshalJSON writes null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) { return t.AppendJSON(nil), nil }

// AppendJSON appends what MarshalJSON writes (render streams it without allocating).
func (t *Time) AppendJSON(b []byte) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// Mode formats permission bits as the contract's 4-digit octal string.
// The strings are made once: a listing of a million entries allocates none.
func Mode(m uint32) string { return modeStrings[m&07777] }

var modeStrings = func() (t [010000]string) {
	const digits = "01234567"
	var all [len(t) * 4]byte
	for m := range t {
		b := all[m*4 : m*4+4]
		b[0], b[1], b[2], b[3] = digits[m>>9&7], digits[m>>6&7], digits[m>>3&7], digits[m&7]
	}
	s := string(all[:])
	for m := range t {
		t[m] = s[m*4 : m*4+4]
	}
	return t
}()

// Equal reports whether two entries hold the same facts (for go-cmp, which cannot see the
// unexported rare facts otherwise).
func (e Entry) Equal(o Entry) bool {
	er, or := e.rare, o.rare
	e.rare, o.rare = nil, nil
	if e != o {
		return false
	}
	if er == nil || or == nil {
		return er == or
	}
	return *er == *or
}

// Artifact is something an index lists beside images that is not one: a signature, an
// attestation or SBOM referring to an image (its subject), a Helm chart, any OCI artifact, or a
// ref name set on a descriptor that is not a manifest at all.
type Artifact struct {
	Type      string   `json:"type"`       // "cosign signature", "SBOM (SPDX)", "attestation (in-toto)", "Helm chart", "artifact", "blob" …
	MediaType string   `json:"media_type"` // the manifest's artifactType, else its config's media type, else its first layer's; a blob's own
	Digest    string   `json:"digest"`     // the manifest's (a blob's own, for a ref name on a blob)
	RepoTags  []string `json:"repo_tags"`  // the ref names it goes by; [] when none
	Subject   string   `json:"subject"`    // digest of the manifest it refers to ("" when none)
	Platform  string   `json:"platform"`   // as its descriptor says; "" when none
	Size      int64    `json:"size"`       // bytes its manifest declares of its config and layers (a blob's size)
}
