// Package image is strata's one model of an image: identity, config, history and layers of
// tar-header entries, whatever archive format it was read from.
package image

import (
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Format names the kind of input an image was read from (the JSON `source.format`).
type Format string

// The input formats strata reads.
const (
	FormatDockerArchive    Format = "docker-archive"     // legacy docker save, podman/skopeo docker-archive
	FormatDockerArchiveOCI Format = "docker-archive-oci" // Docker 25+ save (oci-layout + manifest.json)
	FormatOCIArchive       Format = "oci-archive"        // tar of an OCI image layout
	FormatOCILayout        Format = "oci-layout"         // OCI image layout directory
	FormatRootfs           Format = "rootfs"             // docker export or any root-filesystem tarball
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
	Layers   []*Layer

	Closer io.Closer // releases the input; nil when nothing is held open
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
	Member      string // archive member (or layout file) holding the blob
	Compression string // of the stored blob: none, gzip, zstd, xz, bzip2
	TarSize     int64  // bytes of the blob as stored
	Verified    bool   // DiffID and Digest were recomputed from the bytes and match the archive's claims
	History     *v1.History
	Entries     []Entry

	// Open returns the uncompressed layer stream again, for content reads. Nil when the input
	// was streamed (stdin or a compressed file) and cannot be re-read.
	Open func() (io.ReadCloser, error) `json:"-"`
	// ReaderAt reads the uncompressed layer at random (an entry's content is at its Offset);
	// nil unless the layer is stored uncompressed in a seekable input. Safe for concurrent use.
	ReaderAt io.ReaderAt `json:"-"`
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

// Whiteout says whether an entry is an OCI whiteout marker.
type Whiteout uint8

const (
	NotWhiteout    Whiteout = iota
	WhiteoutDelete          // `.wh.<name>`: Path is the deleted path
	WhiteoutOpaque          // `.wh..wh..opq`: Path is the directory whose lower children are hidden
)

// Entry is one tar header of a layer, normalised. Content is not held. Fields are laid out
// to keep the struct small: an image can have millions of entries.
type Entry struct {
	Path     string // absolute, cleaned; "/" for the root
	Link     string // symlink target as written; hardlink target as an absolute cleaned path
	Caps     string // security.capability xattr, raw, when present
	Digest   string // sha256 of the content, when computed while loading (streamed input)
	Size     int64  // regular files only
	Offset   int64  // offset of the content in the uncompressed layer stream
	MTime    int64  // modification time, Unix nanoseconds
	UID, GID int
	Mode     uint32 // permission and special bits (07777)
	Major    uint32 // device numbers, char and block devices only
	Minor    uint32
	Type     Type
	Whiteout Whiteout
	Escapes  bool // the raw name climbed out of the root with ".." (clamped for reporting)
	Sparse   bool // a GNU sparse file: Size is its logical size; the stored bytes are fewer
}

// ModTime returns the entry's modification time in UTC.
func (e *Entry) ModTime() time.Time { return time.Unix(0, e.MTime).UTC() }

// Time is a timestamp that is null in JSON when unknown, RFC 3339 (UTC) otherwise.
type Time struct{ time.Time }

// MarshalJSON writes null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// Mode formats permission bits as the contract's 4-digit octal string.
func Mode(m uint32) string {
	const digits = "01234567"
	return string([]byte{digits[m>>9&7], digits[m>>6&7], digits[m>>3&7], digits[m&7]})
}
