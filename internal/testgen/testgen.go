// Package testgen writes container image archives of every format strata reads, from a small
// declarative spec: legacy `docker save`, Docker 25+ OCI-style save, the containerd image store's
// save (compressed blobs, multi-platform index, attestations, absent platforms), OCI layouts and
// oci-archives, podman/skopeo docker-archives, root-filesystem tarballs, and whole-file
// compression.
//
// Layer tars are written verbatim from [Entry] values (raw names, raw modes), so tests can build
// exactly the odd layers found in the wild. Digests and diff_ids are computed while streaming;
// layer blobs are spooled to memory and, past a few MiB, to a temporary file, so multi-gigabyte
// images are written with bounded memory. Output is deterministic: the same spec gives the same
// bytes.
package testgen

import (
	"archive/tar"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Epoch is the time used wherever a spec leaves a time zero: 2024-01-01T00:00:00Z.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// ModeZero asks for a literal 0000 mode (Entry.Mode 0 means "the default for the type").
const ModeZero int64 = -1

// Compression names accepted by Layer.Compression and Compress.
const (
	None  = "none"
	Gzip  = "gzip"
	Zstd  = "zstd"
	Xz    = "xz"
	Bzip2 = "bzip2"
)

// Entry is one raw tar entry in a layer, written verbatim.
type Entry struct {
	Name string // raw tar name, e.g. "./etc/", "etc/passwd", "/abs", ".wh.foo", "a/.wh..wh..opq", "."
	Type byte   // tar.TypeReg, TypeDir, TypeSymlink, TypeLink, TypeChar, TypeBlock, TypeFifo; 0 means TypeReg
	// Mode is written as is, including setuid/setgid/sticky and, if given, file-type bits
	// (0100644, 040755 as Docker <= 23 writes). 0 means the type's default (0644 files, 0755
	// dirs, 0777 symlinks, 0644 others); use ModeZero for a literal 0000.
	Mode     int64
	UID, GID int
	Uname    string // optional user name; empty by default, as Docker writes
	Gname    string
	Link     string // symlink or hardlink target, verbatim
	Content  []byte // content of small files
	// Size is used when Content is nil: deterministic pseudo-random content of that size,
	// generated while streaming (seeded by Seed, or Name when Seed is empty).
	Size int64
	// Seed replaces Name as the seed of generated content (two entries with the same Seed and
	// Size have the same content; give an overwrite a new Seed to change its content).
	Seed string
	// Compressible makes generated content text-like (about 2:1 under gzip) instead of random.
	Compressible bool
	ModTime      time.Time         // zero -> Epoch
	Devmajor     int64             // char and block devices
	Devminor     int64             // char and block devices
	Xattrs       map[string]string // written as SCHILY.xattr.<key> PAX records (e.g. security.capability)
	Format       tar.Format        // tar.FormatUnknown (let archive/tar choose), FormatUSTAR, FormatPAX, FormatGNU
}

// Layer is one layer of an image.
type Layer struct {
	Entries []Entry
	// Compression is how the blob is stored in the archive: "" (the format's default: none for
	// Docker formats, gzip for OCI and containerd), "none", "gzip" or "zstd". Docker 25 and
	// skopeo archives always store layers uncompressed; the legacy docker archive honours an
	// explicit gzip/zstd (as ggcr- or Bazel-made archives do, though docker save never does).
	Compression string
	CreatedBy   string // history row of this layer when Image.History is nil
	Comment     string // history comment when Image.History is nil
}

// Image is an image to write.
type Image struct {
	Layers []Layer
	Config v1.Config // Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes, Labels, ...
	// History, when nil, is one row per layer with Layers[i].CreatedBy. Rows with EmptyLayer may
	// interleave; the writers do not check that non-empty rows match the layers.
	History                   []v1.History
	OS, Architecture, Variant string    // default linux/amd64
	Created                   time.Time // zero -> Epoch
	Author                    string
	// Tags such as "app:1" or "docker.io/library/app:1"; normalised per format ("app:1" in
	// Docker's RepoTags, "docker.io/library/app:1" in skopeo's and in io.containerd.image.name).
	Tags []string
}

// Platform returns the image's platform with defaults applied.
func (img *Image) Platform() v1.Platform {
	p := v1.Platform{OS: img.OS, Architecture: img.Architecture, Variant: img.Variant}
	if p.OS == "" {
		p.OS = "linux"
	}
	if p.Architecture == "" {
		p.Architecture = "amd64"
	}
	return p
}

func (img *Image) created() time.Time {
	if img.Created.IsZero() {
		return Epoch
	}
	return img.Created
}

// File is a regular file entry with the given content and mode 0644.
func File(name, content string) Entry {
	return Entry{Name: name, Type: tar.TypeReg, Mode: 0o644, Content: []byte(content)}
}

// BigFile is a regular file entry with size bytes of generated content and mode 0644.
func BigFile(name string, size int64) Entry {
	return Entry{Name: name, Type: tar.TypeReg, Mode: 0o644, Size: size}
}

// Dir is a directory entry with mode 0755.
func Dir(name string) Entry { return Entry{Name: name, Type: tar.TypeDir, Mode: 0o755} }

// Symlink is a symbolic link entry with mode 0777.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Mode: 0o777, Link: target}
}

// Hardlink is a hard link entry (tar type '1') with mode 0644.
func Hardlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeLink, Mode: 0o644, Link: target}
}

// Whiteout is the `.wh.` marker deleting path (a raw relative name such as "etc/passwd").
func Whiteout(path string) Entry {
	dir, base := splitName(path)
	return Entry{Name: dir + ".wh." + base, Type: tar.TypeReg, Mode: ModeZero}
}

// Opaque is the `.wh..wh..opq` marker of dir (a raw relative name such as "opt/app").
func Opaque(dir string) Entry {
	d := trimSlash(dir)
	if d != "" {
		d += "/"
	}
	return Entry{Name: d + ".wh..wh..opq", Type: tar.TypeReg, Mode: ModeZero}
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// splitName splits "a/b/c" into "a/b/" and "c".
func splitName(p string) (dir, base string) {
	p = trimSlash(p)
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1], p[i+1:]
		}
	}
	return "", p
}
