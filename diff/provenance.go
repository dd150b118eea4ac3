package diff

import (
	"fmt"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// checkLayersPresent refuses an export that lacks every path some layer of the image made
// visible. A container's filesystem starts as its image's, so each layer that shows through
// the merge still shows in the export, unless the container deleted or replaced every one of
// that layer's paths. A sibling image that shares only the base layer (the wrong image for
// this export) fails on its own top layers. A layer's paths are its visible non-directory
// entries, or, for a layer that only made directories, the directories no lower layer has;
// runtime entries and paths under volumes (never in an export) do not count.
func checkLayersPresent(o, n *side, rt runtime, opts Options) error {
	if opts.Force {
		return nil
	}
	var volumes []string
	if c := o.img.Config; c != nil {
		volumes = keys(c.Config.Volumes)
	}
	skip := func(p string) bool {
		if rt.paths[p] {
			return true
		}
		for _, v := range volumes {
			v = strings.TrimSuffix(v, "/")
			if p == v || strings.HasPrefix(p, v+"/") {
				return true
			}
		}
		return false
	}
	files := make([][]string, len(o.img.Layers)) // visible non-directories, per layer
	dirs := make([][]string, len(o.img.Layers))  // visible directories, per layer
	for i, nd := range o.nodes {
		if nd.Entry == nil || nd.Layer < 0 || int(nd.Layer) >= len(files) || skip(o.paths[i]) {
			continue
		}
		if nd.Entry.Type == image.TypeDir {
			dirs[nd.Layer] = append(dirs[nd.Layer], o.paths[i])
		} else {
			files[nd.Layer] = append(files[nd.Layer], o.paths[i])
		}
	}
	for li, l := range o.img.Layers {
		paths := files[li]
		what := "file"
		if len(paths) == 0 {
			paths, what = createdDirs(o.img, li, dirs[li]), "directory"
		}
		if len(paths) == 0 {
			continue
		}
		present := false
		for _, p := range paths {
			if _, ok := n.index[p]; ok {
				present = true
				break
			}
		}
		if present {
			continue
		}
		by := ""
		if c := l.CreatedBy(); c != "" {
			by = fmt.Sprintf(" (%s)", clipCommand(c, 60))
		}
		lacks := "the one " + what
		if len(paths) > 1 {
			lacks = fmt.Sprintf("all %s", count(len(paths), what))
		}
		return fmt.Errorf("%w: the export lacks %s that layer %d of the image%s shows (%s): it does not look like an export of a container of this image, perhaps of another image with the same base (--force compares anyway)",
			ErrMismatch, lacks, li, by, examples(paths, 3))
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

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if what == "directory" {
		return fmt.Sprintf("%d directories", n)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func examples(paths []string, max int) string {
	if len(paths) <= max {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:max], ", ") + fmt.Sprintf(", and %d more", len(paths)-max)
}

func clipCommand(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
