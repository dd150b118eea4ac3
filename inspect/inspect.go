// Package inspect summarises an image: identity, config, platform, layers and bloat.
package inspect

import (
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// Report is the result of `strata inspect`.
type Report struct {
	Source       image.Source `json:"source"`
	ID           string       `json:"id"`
	Digest       string       `json:"digest"` // manifest digest, when the archive has one; "" otherwise
	RepoTags     []string     `json:"repo_tags"`
	Created      image.Time   `json:"created"`
	OS           string       `json:"os"`
	Architecture string       `json:"architecture"`
	Variant      string       `json:"variant"`
	// Platform is os/arch[/variant] the image was selected as: what the index descriptor
	// naming it says (containerd selects on it), else the config's os, architecture and
	// variant (the fields above, always the config's).
	Platform    string   `json:"platform"`
	Config      Config   `json:"config"`
	Size        int64    `json:"size"`
	Layers      []Layer  `json:"layers"`
	Files       int      `json:"files"` // visible entries of the merged filesystem
	Efficiency  float64  `json:"efficiency"`
	WastedBytes int64    `json:"wasted_bytes"`
	Wasted      []Waste  `json:"wasted"`
	Hidden      []Hidden `json:"hidden"`
	Verify      *Verify  `json:"verify"` // with --verify; null otherwise
	// Escaping lists entries whose raw names climb out of the root with "..": strata reports
	// them clamped at the root; an extracting tool might write outside its target.
	Escaping []EntryRef `json:"escaping_paths"`
	// Warnings are what the loader noticed in the input and how it read it (documents that
	// disagree, and which one was followed); said on stderr too. [] when none.
	Warnings []string `json:"warnings"`
	// NoFiles: the layers were not read (inspect --no-files), so nothing file-level was
	// computed. In JSON every file-level field is then null, not 0 or []: the report's
	// size, files, efficiency, wasted_bytes, wasted, hidden, escaping_paths, and each
	// layer's size, files, wasted_bytes and top_files.
	NoFiles bool `json:"-"`
}

// EntryRef names an entry of a layer.
type EntryRef struct {
	Path  string `json:"path"`
	Layer int    `json:"layer"`
}

// Verify reports what --verify recomputed. Every value here was computed from the bytes
// and matched the archive's claims (a mismatch is an error, not a report).
type Verify struct {
	Config   string          `json:"config"`   // sha256 of the config: the image ID
	Manifest string          `json:"manifest"` // manifest digest, checked against the index; "" when the archive records none
	Layers   []VerifiedLayer `json:"layers"`
}

// VerifiedLayer is one layer's recomputed digests.
type VerifiedLayer struct {
	Index  int    `json:"index"`
	DiffID string `json:"diff_id"` // sha256 of the uncompressed tar
	Digest string `json:"digest"`  // sha256 of the blob as stored
}

// Config is the runtime part of the image config.
type Config struct {
	User         string            `json:"user"`
	Env          []string          `json:"env"`
	Entrypoint   []string          `json:"entrypoint"`
	Cmd          []string          `json:"cmd"`
	WorkingDir   string            `json:"working_dir"`
	ExposedPorts []string          `json:"exposed_ports"`
	Volumes      []string          `json:"volumes"`
	Labels       map[string]string `json:"labels"`
	StopSignal   string            `json:"stop_signal"`
	Shell        []string          `json:"shell"`
	OnBuild      []string          `json:"on_build"`
	Healthcheck  *v1.HealthConfig  `json:"healthcheck"` // null when the image has none
}

// Layer is one layer's summary.
type Layer struct {
	Index     int       `json:"index"`
	DiffID    string    `json:"diff_id"`
	Digest    string    `json:"digest"`
	MediaType string    `json:"media_type"`
	Foreign   bool      `json:"foreign"`  // a foreign (non-distributable) layer
	URLs      []string  `json:"urls"`     // where its descriptor says the blob is fetched from; [] when none
	Size      int64     `json:"size"`     // regular-file bytes, as `docker history` reports
	TarSize   int64     `json:"tar_size"` // bytes of the blob as stored
	Files     int       `json:"files"`    // entries, whiteouts excluded
	CreatedBy string    `json:"created_by"`
	Wasted    int64     `json:"wasted_bytes"` // bytes this layer added that later layers hide
	TopFiles  []TopFile `json:"top_files"`    // the layer's largest files
}

// Hidden is a shipped-but-invisible entry other than a directory: "deleted in a later
// layer" does not remove anything from the tarball.
type Hidden struct {
	Path      string        `json:"path"`
	Type      image.Type    `json:"type"`
	Size      int64         `json:"size"`
	Layer     int           `json:"layer"`
	HiddenBy  int           `json:"hidden_by"`
	Reason    fstree.Reason `json:"reason"`
	Sensitive bool          `json:"sensitive"` // the name looks like a key, token, credential, history…
}

// Options shape the report.
type Options struct {
	Expand bool // list each wasted file of a deleted directory instead of one row for the directory
}

// Of builds the report from an image and its merged filesystem. It reads file contents
// only to tell metadata-only copies (equal-size overwrites) from real overwrites.
func Of(img *image.Image, fs *fstree.FS, opts Options) (*Report, error) {
	r := &Report{
		Source:   img.Source,
		ID:       img.ID,
		Digest:   img.Digest,
		RepoTags: nonNil(img.RepoTags),
		Layers:   []Layer{},
		Wasted:   []Waste{},
		Hidden:   []Hidden{},
		Escaping: []EntryRef{},
		Warnings: nonNil(img.Warnings),
		Platform: img.Platform,
		Config:   Config{Env: []string{}, Entrypoint: []string{}, Cmd: []string{}, ExposedPorts: []string{}, Volumes: []string{}, Labels: map[string]string{}, Shell: []string{}, OnBuild: []string{}},
	}
	if c := img.Config; c != nil {
		r.Created = image.Time{Time: c.Created.Time}
		r.OS, r.Architecture, r.Variant = c.OS, c.Architecture, c.Variant
		r.Config = configOf(c.Config)
		if r.Platform == "" && c.OS != "" {
			r.Platform = strings.TrimSuffix(c.OS+"/"+c.Architecture+"/"+c.Variant, "/")
		}
	}
	if noFiles(img) {
		r.NoFiles = true
		for _, l := range img.Layers {
			r.Layers = append(r.Layers, Layer{Index: l.Index, DiffID: l.DiffID, Digest: l.Digest, MediaType: l.MediaType,
				Foreign: l.Foreign(), URLs: nonNil(l.URLs), TarSize: l.TarSize, CreatedBy: l.CreatedBy()})
		}
		return r, nil
	}
	var shipped int64
	for _, l := range img.Layers {
		for i := range l.Entries {
			if l.Entries[i].Escapes {
				r.Escaping = append(r.Escaping, EntryRef{Path: l.Entries[i].Path, Layer: l.Index})
			}
		}
		size := l.Size()
		shipped += size
		r.Layers = append(r.Layers, Layer{
			Index: l.Index, DiffID: l.DiffID, Digest: l.Digest, MediaType: l.MediaType,
			Foreign: l.Foreign(), URLs: nonNil(l.URLs),
			Size: size, TarSize: l.TarSize, Files: l.Files(), CreatedBy: l.CreatedBy(),
			TopFiles: topFiles(l, 5),
		})
	}
	r.Size = shipped
	if len(img.Layers) > 0 && img.Layers[0].Verified {
		r.Verify = &Verify{Config: img.ID, Manifest: img.Digest, Layers: []VerifiedLayer{}}
		for _, l := range img.Layers {
			r.Verify.Layers = append(r.Verify.Layers, VerifiedLayer{Index: l.Index, DiffID: l.DiffID, Digest: l.Digest})
		}
	}
	fs.Each(func(*fstree.Node) { r.Files++ })
	why, err := reasons(img, fs) // one classification for the hidden and the wasted lists
	if err != nil {
		return nil, err
	}
	for _, h := range fs.Hidden {
		if h.Entry.Type != image.TypeDir {
			r.Hidden = append(r.Hidden, Hidden{
				Path: h.Entry.Path, Type: h.Entry.Type, Size: h.Entry.Size, Layer: h.Layer,
				HiddenBy: h.By, Reason: why[h.Entry], Sensitive: Sensitive(h.Entry.Path),
			})
		}
	}
	if r.Wasted, err = waste(img, fs, why, opts.Expand); err != nil {
		return nil, err
	}
	for _, w := range r.Wasted {
		r.WastedBytes += w.Size
		r.Layers[w.Layer].Wasted += w.Size
	}
	r.Efficiency = 1
	if shipped > 0 {
		r.Efficiency = 1 - float64(r.WastedBytes)/float64(shipped)
	}
	sort.SliceStable(r.Hidden, func(i, j int) bool {
		a, b := r.Hidden[i], r.Hidden[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Layer < b.Layer
	})
	return r, nil
}

func configOf(c v1.Config) Config {
	out := Config{
		User: c.User, Env: nonNil(c.Env), Entrypoint: nonNil(c.Entrypoint), Cmd: nonNil(c.Cmd),
		WorkingDir: c.WorkingDir, ExposedPorts: keys(c.ExposedPorts), Volumes: keys(c.Volumes),
		Labels: c.Labels, StopSignal: c.StopSignal, Shell: nonNil(c.Shell), OnBuild: nonNil(c.OnBuild), Healthcheck: c.Healthcheck,
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	return out
}

func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
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
