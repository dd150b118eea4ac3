// Package baseline records what an image is — the lock `strata baseline` writes — and holds
// a later build against it: which layers are unchanged, rebuilt with identical contents,
// changed, grown, shrunk, added or removed, which config fields changed, and the verdicts of
// the baseline policy `strata check --baseline` reports.
package baseline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
)

// Schema is the lock format version this package writes and reads.
const Schema = 1

// ContentHash is the digest the layer fingerprints are computed with. Streamed input
// (stdin, a compressed file) cannot be read twice: open it with
// load.Options{HashFiles: ContentHash} so Of and Compare find the digests on the entries.
const ContentHash = "sha256"

// What a lock records of each layer: its largest files and directories, no more. With
// these bounds a lock stays at a few KB whatever the number of files.
const (
	TopFiles = 5
	TopDirs  = 5
)

// Lock is what an image is, as far as a later build is held against it. It is JSON,
// versioned by Schema; Write makes it deterministic, Read is strict. Holding an image
// against a lock needs only the lock, not the old image.
type Lock struct {
	Schema int      `json:"schema"` // always 1
	Image  Identity `json:"image"`
	Base   Base     `json:"base"`
	Size   int64    `json:"size"`  // regular-file bytes of all layers
	Files  int      `json:"files"` // visible entries of the merged filesystem
	// Config is the image config flattened as `strata diff` compares it: field → value,
	// env, labels, exposed ports and volumes one field per item (`env.PATH`, `labels.version`,
	// `exposed_ports.80/tcp`, `volumes./data`). Absent and empty fields are left out.
	Config map[string]any `json:"config"`
	Layers []Layer        `json:"layers"`
	// Setuid lists the setuid and setgid paths of the merged filesystem, sorted.
	Setuid []string `json:"setuid"`
	// SensitiveHidden lists files with secret-looking names (see inspect.Sensitive) that a
	// layer ships and a later layer hides: deleted, but still in the tarball. Sorted.
	SensitiveHidden []string `json:"sensitive_hidden"`
	// Packages is what each layer did to packages (strata packages --layer N): one entry a
	// layer, in order. Absent from a lock written before strata recorded packages; the
	// package rules are then skipped.
	Packages []LayerPackages `json:"packages,omitempty"`
}

// Identity names the image a lock was made from.
type Identity struct {
	RepoTags []string     `json:"repo_tags"` // as the archive names the image; [] when untagged
	ID       string       `json:"id"`        // sha256 of the config; "" for a rootfs tarball
	Digest   string       `json:"digest"`    // manifest digest, when the archive has one
	Platform string       `json:"platform"`  // os/arch[/variant]; "" without a config
	Format   image.Format `json:"format"`    // the input format the lock was made from
}

// Base says which bottom layers are the base image's.
type Base struct {
	// Layers is how many layers, from the bottom, are the base image's; 0 when unknown.
	Layers int `json:"layers"`
	// From says how Layers was found: "flag" (strata baseline --base-layers), "history"
	// (the layers below the history row that set an org.opencontainers.image.base.* label),
	// or "" (unknown).
	From string `json:"from"`
	// Name and Digest are the image's org.opencontainers.image.base.name and .digest, from
	// the manifest annotations or else the config labels; "" when absent.
	Name   string `json:"name"`
	Digest string `json:"digest"`
}

// Layer is what a lock records of one layer.
type Layer struct {
	Index     int    `json:"index"`
	DiffID    string `json:"diff_id"` // "" for a rootfs tarball
	CreatedBy string `json:"created_by"`
	Size      int64  `json:"size"`  // regular-file bytes, as docker history reports
	Files     int    `json:"files"` // entries, whiteouts excluded
	// Fingerprint is a digest of the layer's contents that ignores timestamps: a rebuild
	// that only changed mtimes has a new diff_id and the same fingerprint (see Fingerprint).
	Fingerprint string `json:"fingerprint"`
	TopFiles    []File `json:"top_files"` // the layer's largest regular files, largest first, at most TopFiles
	TopDirs     []Dir  `json:"top_dirs"`  // its heaviest directories (see Of), at most TopDirs
}

// File is a regular file of a layer and its size.
type File struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Dir is a directory of a layer with the bytes and regular files the layer puts below it.
type Dir struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	Files int    `json:"files"`
}

// The label and annotation keys that name an image's base.
const (
	keyBaseName   = "org.opencontainers.image.base.name"
	keyBaseDigest = "org.opencontainers.image.base.digest"
)

// Of records img, whose merged filesystem is fs. It reads every regular file's content
// once (the fingerprints); a streamed input must have been opened with
// load.Options{HashFiles: ContentHash}.
//
// A layer's top directories are the ones holding the most bytes, counting only
// directories that no single subdirectory dominates (none holds half their bytes): for
// libraries spread over /usr/lib/x86_64-linux-gnu that is the directory itself, not /usr.
func Of(img *image.Image, fs *fstree.FS) (*Lock, error) {
	lk := &Lock{
		Schema: Schema,
		Image: Identity{
			RepoTags: nonNil(img.RepoTags), ID: img.ID, Digest: img.Digest,
			Platform: platform(img), Format: img.Source.Format,
		},
		Config:          configOf(img),
		Layers:          []Layer{},
		Setuid:          setuid(fs),
		SensitiveHidden: sensitiveHidden(fs),
	}
	lk.Base = baseOf(img)
	fps, err := Fingerprints(img.Layers)
	if err != nil {
		return nil, err
	}
	for i, l := range img.Layers {
		files, dirs := summary(l, TopFiles, TopDirs)
		lk.Layers = append(lk.Layers, Layer{
			Index: i, DiffID: l.DiffID, CreatedBy: l.CreatedBy(), Size: l.Size(), Files: l.Files(),
			Fingerprint: fps[i], TopFiles: files, TopDirs: dirs,
		})
		lk.Size += l.Size()
	}
	fs.Each(func(*fstree.Node) { lk.Files++ })
	return lk, nil
}

// SetBaseLayers records that the bottom n layers are the base image's.
func (lk *Lock) SetBaseLayers(n int) error {
	if n < 0 || n > len(lk.Layers) {
		return fmt.Errorf("base layers %d: the image has %s", n, units.Count(len(lk.Layers), "layer"))
	}
	lk.Base.Layers, lk.Base.From = n, "flag"
	if n == 0 {
		lk.Base.From = ""
	}
	return nil
}

// Write writes the lock as indented JSON with a final newline. The output depends only on
// the lock: keys in a fixed order, maps sorted, lists sorted or in layer order.
func (lk *Lock) Write(w io.Writer) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(lk); err != nil {
		return err
	}
	_, err := w.Write(collapse(b.Bytes()))
	return err
}

// collapse puts each object whose values are all scalars on one line: a listed file or
// directory is one line of the lock.
func collapse(indented []byte) []byte {
	lines := bytes.Split(indented, []byte("\n"))
	var out bytes.Buffer
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if bytes.HasSuffix(line, []byte("{")) {
			j := i + 1
			for j < len(lines) && scalarMember(lines[j]) {
				j++
			}
			if j < len(lines) && j > i+1 {
				if end := bytes.TrimSpace(lines[j]); string(end) == "}" || string(end) == "}," {
					out.Write(line)
					for k := i + 1; k < j; k++ {
						if k > i+1 {
							out.WriteByte(' ')
						}
						out.Write(bytes.TrimSpace(lines[k]))
					}
					out.Write(end)
					out.WriteByte('\n')
					i = j
					continue
				}
			}
		}
		out.Write(line)
		if i < len(lines)-1 {
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

// scalarMember tells an indented `"key": value` line whose value is not an object or array.
func scalarMember(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) > 0 && t[0] == '"' && !bytes.HasSuffix(t, []byte("{")) && !bytes.HasSuffix(t, []byte("["))
}

func platform(img *image.Image) string {
	c := img.Config
	if c == nil || c.OS == "" {
		return ""
	}
	p := c.OS + "/" + c.Architecture
	if c.Variant != "" {
		p += "/" + c.Variant
	}
	return p
}

// configOf flattens the config as diff does, with JSON's value types (what Read returns),
// leaving out the image ID (in Identity).
func configOf(img *image.Image) map[string]any {
	out := map[string]any{}
	for k, v := range diff.ConfigFields(img) {
		if k == "id" {
			continue
		}
		out[k] = normalize(v)
	}
	return out
}

// normalize gives v the types it has after a JSON round trip.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return fmt.Sprint(v)
	}
	return out
}

// baseOf reads the base image's name and digest from the manifest annotations, else the
// config labels, and counts the base layers as those below the last history row that set
// one of the labels (a Dockerfile's LABEL right after FROM; docker build --label and
// annotations leave no row, and the count stays unknown).
func baseOf(img *image.Image) Base {
	var b Base
	var labels map[string]string
	if img.Config != nil {
		labels = img.Config.Config.Labels
	}
	for _, src := range []map[string]string{img.Annotations, labels} {
		if b.Name == "" {
			b.Name = src[keyBaseName]
		}
		if b.Digest == "" {
			b.Digest = src[keyBaseDigest]
		}
	}
	if img.Config == nil || labels[keyBaseName] == "" && labels[keyBaseDigest] == "" {
		return b
	}
	layers, at := 0, -1
	for _, h := range img.Config.History {
		if containsAny(h.CreatedBy, keyBaseName, keyBaseDigest) {
			at = layers
		}
		if !h.EmptyLayer {
			layers++
		}
	}
	if at > 0 && at <= len(img.Layers) {
		b.Layers, b.From = at, "history"
	}
	return b
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if bytes.Contains([]byte(s), []byte(sub)) {
			return true
		}
	}
	return false
}

// setuid lists the merged filesystem's setuid and setgid paths, sorted.
func setuid(fs *fstree.FS) []string {
	out := []string{}
	fs.Each(func(n *fstree.Node) {
		if e := n.Entry; e != nil && e.Type != image.TypeDir && e.Mode&06000 != 0 {
			out = append(out, n.Path())
		}
	})
	sort.Strings(out)
	return out
}

// sensitiveHidden lists the secret-looking files shipped but hidden, sorted, once each.
func sensitiveHidden(fs *fstree.FS) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, h := range fs.Hidden {
		p := h.Entry.Path
		if h.Entry.Type != image.TypeDir && h.Entry.Whiteout == image.NotWhiteout && !seen[p] && inspect.Sensitive(p) {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Fingerprints computes the fingerprint of each layer (see Fingerprint), reading the
// layers' contents in parallel, each layer once.
func Fingerprints(layers []*image.Layer) ([]string, error) {
	var refs []content.Ref
	for _, l := range layers {
		for i := range l.Entries {
			if e := &l.Entries[i]; e.Type == image.TypeFile && e.Whiteout == image.NotWhiteout {
				refs = append(refs, content.Ref{Layer: l, Entry: e})
			}
		}
	}
	sums, err := content.Digests(refs, ContentHash)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(layers))
	for i, l := range layers {
		out[i] = Fingerprint(l, sums)
	}
	return out, nil
}
