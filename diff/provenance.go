package diff

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
)

// checkProvenance decides whether the export can come from a container of the image. A
// container may delete or change anything, so what it did is never held against it: no
// export of a container of the image is refused, whatever it deleted. What a container
// cannot do is see a version of a path that a layer of its image hid: its filesystem starts
// as the image's merge. So the export is refused only on both of these:
//
//   - it lacks every path some layer K of the image shows through the merge (the layer's
//     visible files, or for a layer that only made directories, the directories it created;
//     runtime entries and volume contents aside) — what an export of a sibling image (same
//     base, other top layers) looks like, and also what a container that deleted them does;
//   - evidence that the export's filesystem never was the image's, one of:
//     it shows some path exactly as a lower layer shipped it (type, mode, owner, size,
//     link target, and modification time to the second) where a layer of the image had
//     deleted, replaced or rewritten it, and the image shows another version — which a
//     container of the image never saw, and would have to rebuild byte for byte, time
//     included; or it lacks a path whose parent directory it shows exactly as the image
//     does, though the container was created (the engine's marker, /.dockerenv or
//     /run/.containerenv, says when) in a later second than that directory's time —
//     deleting the path would have set the directory's time to the moment of deletion.
//
// The refusal states both. The first alone gives a warning (returned), not a refusal.
func checkProvenance(w *walk, opts Options) ([]string, error) {
	lacking := lackingLayers(w)
	if len(lacking) == 0 {
		return nil, nil
	}
	l := lacking[0]
	ev := resurrected(w)
	if ev == "" {
		ev = untouchedParent(w)
	}
	if ev != "" && !opts.Force {
		return nil, fmt.Errorf("%w: the export lacks %s, and %s: it looks like an export of a container of another image with the same base (--force compares anyway)",
			ErrMismatch, l, ev)
	}
	if opts.Force {
		return nil, nil
	}
	return []string{fmt.Sprintf("the export lacks %s: a container of the image can delete files, so it is compared; if it is the export of another image with the same base, the changes are that image's difference, not what a container did", l)}, nil
}

// lackingLayers describes each layer of the image whose visible paths the export all lacks.
func lackingLayers(w *walk) []string {
	o := w.o
	skip := skipper(w)
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
		if nd == nil || nd.Entry == nil || nd.Layer < 0 || int(nd.Layer) >= len(layers) || skip(string(p)) {
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
	var out []string
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
		out = append(out, fmt.Sprintf("%s that layer %d of the image%s shows (%s)", lacks, li, by, examples(ex, n)))
	}
	return out
}

// skipper says which paths say nothing of where an export comes from: the engine's runtime
// entries and what lies under the image's volumes (never in an export).
func skipper(w *walk) func(p string) bool {
	var volumes []string
	if c := w.o.img.Config; c != nil {
		for _, v := range keys(c.Config.Volumes) {
			volumes = append(volumes, strings.TrimSuffix(v, "/"))
		}
	}
	return func(p string) bool {
		if w.rt.paths[p] {
			return true
		}
		for _, v := range volumes {
			if p == v || strings.HasPrefix(p, v+"/") {
				return true
			}
		}
		return false
	}
}

// resurrected describes the paths the export shows exactly as a lower layer shipped them,
// where a later layer of the image deleted, replaced or rewrote them and the image shows
// something else (nothing, or another version); "" when there are none.
func resurrected(w *walk) string {
	skip := skipper(w)
	type found struct {
		path          string
		layer, hidBy  int
		e             *image.Entry
		deleted, many bool
	}
	var ev []found
	seen := map[string]bool{}
	for _, h := range w.o.fs.Hidden {
		e := h.Entry
		if e == nil || e.Type == image.TypeHardlink || seen[e.Path] || skip(e.Path) {
			continue
		}
		nn := w.n.fs.Lookup(e.Path)
		if nn == nil || nn.Entry == nil || !sameVersion(e, nn.Entry) {
			continue
		}
		vis := w.o.fs.Lookup(e.Path)
		if vis != nil && vis.Entry != nil && sameVersion(vis.Entry, nn.Entry) {
			continue // the image shows that version too
		}
		seen[e.Path] = true
		ev = append(ev, found{path: e.Path, layer: h.Layer, hidBy: h.By, e: e, deleted: vis == nil})
	}
	if len(ev) == 0 {
		return ""
	}
	// What a layer deleted is the plainest evidence, then what it replaced, then a directory
	// whose attributes it rewrote.
	rank := func(f found) int {
		switch {
		case f.deleted:
			return 0
		case f.e.Type != image.TypeDir:
			return 1
		}
		return 2
	}
	sort.Slice(ev, func(i, j int) bool {
		if ri, rj := rank(ev[i]), rank(ev[j]); ri != rj {
			return ri < rj
		}
		return ev[i].path < ev[j].path
	})
	f := ev[0]
	did := [...]string{"deleted", "replaced", "rewrote"}[rank(f)]
	more := ""
	if len(ev) > 1 {
		var others []string
		for _, g := range ev[1:min(len(ev), 4)] {
			others = append(others, g.path)
		}
		more = fmt.Sprintf(" (and %s: %s)", count(len(ev)-1, "more path"), examples(others, len(ev)-1))
	}
	return fmt.Sprintf("it has %s exactly as layer %d shipped it (%s), which layer %d %s%s: a container of this image never had that version",
		f.path, f.layer, describe(f.e), f.hidBy, did, more)
}

// untouchedParent describes a path the export lacks whose parent directory the export shows
// exactly as the image does, though the container was created in a later second than the
// directory's modification time; "" when there is none, or when the export does not say when
// its container was created.
func untouchedParent(w *walk) string {
	created, ok := containerCreated(w)
	if !ok {
		return ""
	}
	skip := skipper(w)
	var found string
	w.eachPath(func(on, nn *fstree.Node, p []byte) {
		if found != "" || on == nil || nn != nil || on.Entry == nil || skip(string(p)) {
			return
		}
		parent := path.Dir(string(p))
		if parent == "/" || skip(parent) {
			return
		}
		op, np := w.o.fs.Lookup(parent), w.n.fs.Lookup(parent)
		if op == nil || np == nil || op.Entry == nil || np.Entry == nil || op.Entry.Type != image.TypeDir ||
			!sameVersion(op.Entry, np.Entry) || floorSec(op.Entry.MTime) >= created {
			return
		}
		found = fmt.Sprintf("it lacks %s, yet has %s exactly as the image does (%s), though its container was created at %s: deleting %s would have set the directory's time to then",
			p, parent, describe(op.Entry), time.Unix(created, 0).UTC().Format(time.RFC3339), p)
	})
	return found
}

// containerCreated is when the export's container was created, to the second: the
// modification time of the marker the engine writes into every container (Docker's
// /.dockerenv, podman's /run/.containerenv).
func containerCreated(w *walk) (int64, bool) {
	marker := "/.dockerenv"
	if w.rt.engine == EnginePodman {
		marker = "/run/.containerenv"
	}
	n := w.n.fs.Lookup(marker)
	if n == nil || n.Entry == nil || n.Entry.Type != image.TypeFile || w.o.fs.Lookup(marker) != nil {
		return 0, false
	}
	return floorSec(n.Entry.MTime), true
}

// sameVersion reports whether two entries are the same version of a path: type, mode, owner,
// size, link target and modification time to the second (an export keeps whole seconds).
func sameVersion(a, b *image.Entry) bool {
	return a.Type == b.Type && a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID &&
		(a.Type != image.TypeFile || a.Size == b.Size) && a.Link() == b.Link() &&
		floorSec(a.MTime) == floorSec(b.MTime)
}

func floorSec(ns int64) int64 {
	s := ns / 1e9
	if ns%1e9 < 0 {
		s--
	}
	return s
}

// describe names an entry's version: its type, size for a file, mode and modification time.
func describe(e *image.Entry) string {
	s := e.Type.String()
	if e.Type == image.TypeFile {
		s += fmt.Sprintf(", %d byte", e.Size)
		if e.Size != 1 {
			s += "s"
		}
	}
	if e.Type == image.TypeSymlink {
		s += " to " + e.Link()
	}
	return s + fmt.Sprintf(", mode %04o, modified %s", e.Mode, time.Unix(floorSec(e.MTime), 0).UTC().Format(time.RFC3339))
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
