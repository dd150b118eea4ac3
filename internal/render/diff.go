package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/image"
)

// Diff prints a comparison: changes grouped by kind, then config, layers, runtime and what
// an export flattened.
func Diff(w io.Writer, r *diff.Result, o Options) error {
	if o.Quiet {
		lines := make([]string, len(r.Changes))
		for i, c := range r.Changes {
			lines[i] = c.Kind + " " + c.Path
		}
		return list(w, lines, o.Null)
	}
	p := &printer{w: w, o: o} // r.Warnings are the caller's to print, on stderr
	p.kv("Mode", string(r.Mode))
	if r.Container != nil {
		p.kv("Container", containerLine(r.Container))
	}
	p.kv("Old", fmt.Sprintf("%s (%s)", r.Old.Path, r.Old.Format))
	p.kv("New", fmt.Sprintf("%s (%s)", r.New.Path, r.New.Format))
	s := r.Summary
	p.kv("Changes", fmt.Sprintf("%d added, %d changed, %d deleted (%s)", s.Added, s.Changed, s.Deleted, signedSize(s.SizeDelta)))
	if p.err != nil {
		return p.err
	}
	for _, kind := range []string{"A", "C", "D"} {
		var rows [][]string
		n := 0
		for _, c := range r.Changes {
			if c.Kind != kind {
				continue
			}
			n++
			if n > 50 && !o.NoTrunc {
				continue
			}
			name := c.Path
			if c.Entries > 1 {
				name += " (" + Count(int(c.Entries), "entry") + ")"
			}
			row := []string{c.Kind, c.Type.String(), signedSize(c.SizeDelta), strings.Join(c.Reasons, ","), name}
			if kind == "C" {
				row = append(row[:4], o.clip(changedValues(c), 64), name)
			}
			rows = append(rows, row)
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintln(w)
		header := []string{"", "TYPE", "SIZE", "WHY", "PATH"}
		if kind == "C" {
			header = []string{"", "TYPE", "SIZE", "WHY", "OLD → NEW", "PATH"}
		}
		flex := []int{4} // the path
		if kind == "C" {
			flex = []int{4, 5} // OLD → NEW and the path
		}
		if err := tableFit(w, o.Width, header, rows, flex...); err != nil {
			return err
		}
		if n > len(rows) {
			fmt.Fprintf(w, "… %d more (--no-trunc lists all)\n", n-len(rows))
		}
	}
	for _, group := range []struct {
		head    string
		changes []diff.ConfigChange
	}{{"CONFIG", r.Config}, {"BUILD RECORD", r.BuildConfig}} {
		if len(group.changes) == 0 {
			continue
		}
		fmt.Fprintln(w)
		var rows [][]string
		for _, c := range group.changes {
			rows = append(rows, []string{c.Field, value(c.Old, o), value(c.New, o)})
		}
		if err := tableFit(w, o.Width, []string{group.head, "OLD", "NEW"}, rows, 1, 2); err != nil {
			return err
		}
	}
	if l := r.Layers; l != nil && len(l.OnlyOld)+len(l.OnlyNew) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, o.line(fmt.Sprintf("Layers: %d shared, %d only in old, %d only in new (%s)", l.Shared, len(l.OnlyOld), len(l.OnlyNew), signedSize(l.SizeDelta))))
		var rows [][]string
		for _, x := range l.OnlyOld {
			rows = append(rows, []string{"-", strconv.Itoa(x.Index), Size(x.Size), o.command(x.CreatedBy, 60)})
		}
		for _, x := range l.OnlyNew {
			rows = append(rows, []string{"+", strconv.Itoa(x.Index), Size(x.Size), o.command(x.CreatedBy, 60)})
		}
		if err := tableFit(w, o.Width, []string{"", "LAYER", "SIZE", "CREATED BY"}, rows, 3); err != nil {
			return err
		}
	}
	if len(r.Runtime) > 0 {
		fmt.Fprintln(w)
		engine := "Docker"
		if r.RuntimeBy == "podman" {
			engine = "podman"
		}
		fmt.Fprintln(w, o.line(fmt.Sprintf("Runtime (added by %s to every container, not changes): %s", engine, Escape(strings.Join(r.Runtime, " ")))))
	}
	if f := r.Flattened; f != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, o.line(fmt.Sprintf("Flattened by export: %s into 1, %s, %s lost", Count(len(f.Layers), "layer"), Count(len(f.History), "history row"), Count(len(f.Config), "config field"))))
		fmt.Fprintln(w, o.line(fmt.Sprintf("Bytes: image shipped %s, export carries %s, %s shipped but not carried", Size(f.ShippedBytes), Size(f.ExportBytes), Size(f.DroppedBytes))))
		for _, v := range f.Volumes {
			fmt.Fprintln(w, o.line(fmt.Sprintf("Volume %s: %s", Escape(v.Path), Escape(v.Note))))
		}
	}
	return nil
}

func signedSize(n int64) string {
	switch {
	case n > 0:
		return "+" + Size(n)
	case n < 0:
		return "-" + Size(-n)
	}
	return "0B"
}

func value(v any, o Options) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return o.clip(x, 40)
	case []string:
		return o.clip(quoteList(x), 40)
	case image.Time:
		return x.UTC().Format(time.RFC3339)
	case json.RawMessage: // a config key diff compares whole: a string shows unquoted
		var str string
		if json.Unmarshal(x, &str) == nil {
			return o.clip(str, 40)
		}
		return o.clip(string(x), 40)
	}
	return o.clip(fmt.Sprint(v), 40)
}

// changedValues says how a changed path's type, mode, owner, size and link target went
// from old to new ("mode 0644→0600, uid 0→1000"); content and mtime changes are named by
// WHY alone.
func changedValues(c diff.Change) string {
	if c.Old == nil || c.New == nil {
		return ""
	}
	a, b := c.Old, c.New
	var out []string
	if a.Type != b.Type {
		out = append(out, fmt.Sprintf("type %s→%s", a.Type, b.Type))
	}
	if a.Mode != b.Mode {
		out = append(out, fmt.Sprintf("mode %s→%s", a.Mode, b.Mode))
	}
	if a.UID != b.UID || a.GID != b.GID {
		out = append(out, fmt.Sprintf("owner %d:%d→%d:%d", a.UID, a.GID, b.UID, b.GID))
	}
	if a.Size != b.Size && a.Type != image.TypeDir && b.Type != image.TypeDir {
		out = append(out, fmt.Sprintf("size %s→%s", Size(a.Size), Size(b.Size)))
	}
	if a.Link != b.Link {
		out = append(out, fmt.Sprintf("link %s→%s", orDash(a.Link), orDash(b.Link)))
	}
	return strings.Join(out, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
