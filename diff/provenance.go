package diff

import (
	"fmt"
	"strings"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
)

// checkLayersPresent refuses an export that lacks every path some layer of the image made
// visible. A container's filesystem starts as its image's, so each layer that shows through
// the merge still shows in the export, unless the container deleted or replaced every one of
// that layer's paths. A sibling image that shares only the base layer (the wrong image for
// this export) fails on its own top layers. A layer's paths are its visible non-directory
// entries, or, for a layer that only made directories, the directories no lower layer has;
// runtime entries and paths under volumes (never in an export) do not count.
func checkLayersPresent(w *walk, opts Options) error {
	if opts.Force {
		return nil
	}
	o := w.o
	var volumes []string
	if c := o.img.Config; c != nil {
		volumes = keys(c.Config.Volumes)
	}
	skip := func(p []byte) bool {
		if w.rt.paths[string(p)] {
			return true
		}
		for _, v := range volumes {
			v = strings.TrimSuffix(v, "/")
			if string(p) == v || strings.HasPrefix(string(p), v+"/") {
				return true
			}
		}
		return false
	}
	// Per layer: its visible non-directories (how many, whether any is in the export, the
	// first few paths) and its visible directories (with whether each is in the export).
	type dir struct {
		path    string
		present bool
	}
	type layerPaths struct {
		files    int
		present  bool
		examples []string
		dirs     []dir
	}
	layers := make([]layerPaths, len(o.img.Layers))
	w.eachPath(func(nd, nn *fstree.Node, p []byte) {
		if nd == nil || nd.Entry == nil || nd.Layer < 0 || int(nd.Layer) >= len(layers) || skip(p) {
			return
		}
		lp := &layers[nd.Layer]
		if nd.Entry.Type == image.TypeDir {
			lp.dirs = append(lp.dirs, dir{string(p), nn != nil})
			return
		}
		lp.files++
		lp.present = lp.present || nn != nil
		if len(lp.examples) < 3 {
			lp.examples = append(lp.examples, string(p))
		}
	})
	for li, l := range o.img.Layers {
		lp := &layers[li]
		n, ex, present, what := lp.files, lp.examples, lp.present, "file"
		if n == 0 {
			what = "directory"
			paths := make([]string, len(lp.dirs))
			in := map[string]bool{}
			for i, d := range lp.dirs {
				paths[i] = d.path
				in[d.path] = d.present
			}
			created := createdDirs(o.img, li, paths)
			n, ex = len(created), created[:min(3, len(created))]
			for _, p := range created {
				present = present || in[p]
			}
		}
		if n == 0 || present {
			continue
		}
		by := ""
		if c := l.CreatedBy(); c != "" {
			by = fmt.Sprintf(" (%s)", clipCommand(c, 60))
		}
		lacks := "the one " + what
		if n > 1 {
			lacks = fmt.Sprintf("all %s", count(n, what))
		}
		return fmt.Errorf("%w: the export lacks %s that layer %d of the image%s shows (%s): it does not look like an export of a container of this image, perhaps of another image with the same base (--force compares anyway)",
			ErrMismatch, lacks, li, by, examples(ex, n))
	}
	return nil
}

// createdDirs returns those of cands (directories layer li shows) that no lower layer has.
func createdDirs(img *image.Image, li int, cands []string) []string {
	if len(cands) == 0 {
		return nil
	}
	lower := map[string]bool{}
	for _, p := range cands {
		lower[p] = false
	}
	for _, l := range img.Layers[:li] {
		for i := range l.Entries {
			if _, ok := lower[l.Entries[i].Path]; ok {
				lower[l.Entries[i].Path] = true
			}
		}
	}
	var out []string
	for _, p := range cands {
		if !lower[p] {
			out = append(out, p)
		}
	}
	return out
}

func count(n int, what string) string { return units.Count(n, what) }

// examples lists the first paths of n.
func examples(first []string, n int) string {
	if n <= len(first) {
		return strings.Join(first, ", ")
	}
	return strings.Join(first, ", ") + fmt.Sprintf(", and %d more", n-len(first))
}

func clipCommand(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
