package render

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/image"
)

// History prints rows like `docker history`: newest first.
func History(w io.Writer, rows []history.Row, o Options) error {
	if o.Quiet {
		// The diff_id of each row that made a layer, newest first (12 hex digits, as
		// docker history -q shortens; whole with --no-trunc); rows that made none are left
		// out, so every line is an identifier.
		var ids []string
		for _, r := range rows {
			if r.Layer != nil {
				ids = append(ids, short(*r.Layer, o.NoTrunc))
			}
		}
		return list(w, ids, o.Null)
	}
	var out [][]string
	for _, r := range rows {
		layer, created := "-", "-"
		if r.LayerIndex != nil {
			layer = strconv.Itoa(*r.LayerIndex)
		}
		if !r.Created.IsZero() {
			created = r.Created.UTC().Format("2006-01-02 15:04:05")
		}
		size := "-" // the layer was not read
		if r.Size != nil {
			size = Size(*r.Size)
		}
		out = append(out, []string{layer, created, o.command(r.CreatedBy, 60), size, o.clip(r.Comment, 30)})
	}
	return tableFit(w, o.Width, []string{"LAYER", "CREATED", "CREATED BY", "SIZE", "COMMENT"}, out, 2, 4)
}

// Files prints a file listing, `ls -l` style, with a DIGEST column when the files carry
// digests (--hash): the algorithm and 12 hex digits, all of them with NoTrunc.
func Files(w io.Writer, fs []files.File, o Options) error {
	if o.Quiet {
		paths := make([]string, len(fs))
		for i := range fs {
			paths[i] = fs[i].Path
		}
		return list(w, paths, o.Null)
	}
	hashed := false
	for i := range fs {
		if fs[i].Digest != "" {
			hashed = true
			break
		}
	}
	var out [][]string
	for _, f := range fs {
		if f.Whiteout != "" {
			// A marker, not a file: what it does and to which path (--layer listings).
			kind, name := "whiteout", f.Path+" (deleted)"
			if f.Whiteout == "opaque" {
				kind, name = "opaque", f.Path+"/ (lower layers' contents hidden)"
			}
			row := []string{kind, "-", "-", "-", strconv.Itoa(f.Layer), name}
			if hashed {
				row = append(row[:5], "-", name)
			}
			out = append(out, row)
			continue
		}
		name := f.Path
		switch {
		case f.Link != "" && f.Type.String() == "symlink":
			name += " -> " + f.Link
		case f.Link != "":
			name += " => " + f.Link
		}
		layer := strconv.Itoa(f.Layer)
		if f.Layer < 0 {
			layer = "-"
		}
		row := []string{f.Type.String(), f.Mode, fmt.Sprintf("%d:%d", f.UID, f.GID), Size(f.Size), layer, name}
		if hashed {
			row = append(row[:5], shortDigest(f.Digest, o.NoTrunc), name)
		}
		out = append(out, row)
	}
	if hashed {
		return tableFit(w, o.Width, []string{"TYPE", "MODE", "UID:GID", "SIZE", "LAYER", "DIGEST", "PATH"}, out, 6)
	}
	return tableFit(w, o.Width, []string{"TYPE", "MODE", "UID:GID", "SIZE", "LAYER", "PATH"}, out, 5)
}

// Inspect prints the identity, config, layers and bloat summary of an image.
func Inspect(w io.Writer, r *inspect.Report, o Options) error {
	if o.Quiet {
		return list(w, []string{r.ID}, o.Null)
	}
	p := &printer{w: w, o: o}
	p.kv("Source", fmt.Sprintf("%s (%s, compression %s)", r.Source.Path, r.Source.Format, r.Source.Compression))
	if r.ID != "" {
		p.id("ID", r.ID)
	}
	if r.Digest != "" {
		p.id("Digest", r.Digest)
	}
	if len(r.RepoTags) > 0 {
		p.kv("Tags", strings.Join(r.RepoTags, ", "))
	}
	if !r.Created.IsZero() {
		p.kv("Created", r.Created.UTC().Format("2006-01-02T15:04:05Z07:00"))
	}
	if r.OS != "" {
		plat := r.OS + "/" + r.Architecture
		if r.Variant != "" {
			plat += "/" + r.Variant
		}
		if r.Platform != "" && r.Platform != plat {
			plat = r.Platform + " (as the index lists it; the config says " + plat + ")"
		}
		p.kv("Platform", plat)
	}
	c := r.Config
	p.kvIf("User", c.User)
	p.kvIf("WorkingDir", c.WorkingDir)
	p.kvIf("Entrypoint", quoteList(c.Entrypoint))
	p.kvIf("Cmd", quoteList(c.Cmd))
	for i, e := range c.Env {
		p.kvIf(label("Env", i), e)
	}
	p.kvIf("Ports", strings.Join(c.ExposedPorts, ", "))
	p.kvIf("Volumes", strings.Join(c.Volumes, ", "))
	i := 0
	for _, k := range sortedKeys(c.Labels) {
		p.kvIf(label("Labels", i), k+"="+c.Labels[k])
		i++
	}
	if r.NoFiles {
		p.kv("Size", fmt.Sprintf("not computed (--no-files: %s, not read)", Count(len(r.Layers), "layer")))
		p.kv("Efficiency", "not computed (--no-files)")
	} else {
		p.kv("Size", fmt.Sprintf("%s (%d bytes, %s, %s)", Size(r.Size), r.Size, Count(len(r.Layers), "layer"), Count(r.Files, "file")))
		p.kv("Efficiency", fmt.Sprintf("%.2f%% (%s wasted)", r.Efficiency*100, Size(r.WastedBytes)))
	}
	if v := r.Verify; v != nil && v.Config == "" {
		// A root filesystem tarball claims nothing: its diff_id is computed, every entry read.
		p.kv("Verified", "every entry read through; diff_id computed (sha256 of the tar, as docker import and podman import record it)")
	} else if v != nil {
		what := "config (its sha256 is the image ID)"
		if v.Manifest != "" {
			what += ", manifest " + short(v.Manifest, o.NoTrunc)
		} else {
			what += ", no manifest digest claimed"
		}
		what += fmt.Sprintf(", %s (diff_id and blob digest of each)", Count(len(v.Layers), "layer"))
		p.kv("Verified", what)
	}
	if p.err != nil {
		return p.err
	}
	fmt.Fprintln(w)
	var rows [][]string
	for _, l := range r.Layers {
		wasted := ""
		if l.Wasted > 0 {
			wasted = Size(l.Wasted)
		}
		size, files := Size(l.Size), strconv.Itoa(l.Files)
		if r.NoFiles {
			size, files, wasted = "-", "-", "-" // the layer was not read
		}
		by := o.command(l.CreatedBy, 60)
		if l.Foreign {
			by = o.clip("(foreign layer) "+by, 60)
		}
		row := []string{strconv.Itoa(l.Index), short(l.DiffID, o.NoTrunc), size, Size(l.TarSize),
			files, wasted, by}
		if r.Verify != nil {
			row = append(row[:6], "ok", row[6])
		}
		rows = append(rows, row)
	}
	header := []string{"LAYER", "DIFF ID", "SIZE", "STORED", "FILES", "WASTED", "CREATED BY"}
	if r.Verify != nil {
		header = []string{"LAYER", "DIFF ID", "SIZE", "STORED", "FILES", "WASTED", "VERIFIED", "CREATED BY"}
	}
	if err := tableFit(w, o.Width, header, rows, len(header)-1); err != nil {
		return err
	}
	if len(r.Wasted) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	rows = rows[:0]
	n := len(r.Wasted)
	if n > 10 && !o.NoTrunc {
		n = 10
	}
	for _, x := range r.Wasted[:n] {
		name := x.Path
		if x.Files > 1 {
			name += " (" + Count(x.Files, "file") + ")"
		}
		if x.Sensitive {
			name += "  [sensitive]"
		}
		rows = append(rows, []string{Size(x.Size), strconv.Itoa(x.Layer), fmt.Sprintf("%s (layer %d)", x.Reason, x.HiddenBy), name})
	}
	if err := tableFit(w, o.Width, []string{"WASTED", "LAYER", "HIDDEN BY", "PATH"}, rows, 3); err != nil {
		return err
	}
	if n < len(r.Wasted) {
		if _, err := fmt.Fprintf(w, "… %d more (--no-trunc lists all)\n", len(r.Wasted)-n); err != nil {
			return err
		}
	}
	var secrets [][]string
	for _, h := range r.Hidden {
		if h.Sensitive {
			secrets = append(secrets, []string{h.Type.String(), Size(h.Size), strconv.Itoa(h.Layer), fmt.Sprintf("%s (layer %d)", h.Reason, h.HiddenBy), h.Path})
		}
	}
	if len(secrets) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Hidden but still shipped, and named like a secret:")
	return tableFit(w, o.Width, []string{"TYPE", "SIZE", "LAYER", "HIDDEN BY", "PATH"}, secrets, 4)
}

type printer struct {
	w   io.Writer
	err error
	o   Options // fits free-text values to a terminal's width
}

func (p *printer) kv(k, v string) {
	if k != "" {
		k += ":"
	}
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, "%s\n", p.o.line(fmt.Sprintf("%-12s %s", k, Escape(v))))
	}
}

// id is kv for an identifier (an image ID, a digest): printed whole at any width, as it is
// copied whole.
func (p *printer) id(k, v string) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, "%-12s %s\n", k+":", Escape(v))
	}
}

func (p *printer) kvIf(k, v string) {
	if v != "" {
		p.kv(k, v)
	}
}

func label(k string, i int) string {
	if i == 0 {
		return k
	}
	return ""
}

func quoteList(s []string) string {
	if len(s) == 0 {
		return ""
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Tree prints a du-like tree: each row's size (a directory's: everything below it), the
// entries below a directory, and the name indented two spaces a level (directories end
// in "/").
func Tree(w io.Writer, rows []files.TreeRow, o Options) error {
	var out [][]string
	for _, r := range rows {
		name := r.Path
		if r.Depth > 0 {
			name = path.Base(r.Path)
		}
		if r.Type == image.TypeDir && name != "/" {
			name += "/"
		}
		entries := ""
		if r.Type == image.TypeDir {
			entries = strconv.Itoa(r.Entries)
		}
		out = append(out, []string{Size(r.Size), entries, strings.Repeat("  ", r.Depth) + Escape(name)})
	}
	return tableFit(w, o.Width, []string{"SIZE", "ENTRIES", "PATH"}, out, 2)
}
