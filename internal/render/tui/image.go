package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/render"
)

// imageLines is the image pane's text: identity, config, history and verification; in a
// diff, the config, layer and history changes too.
func imageLines(d Data) []string {
	r := d.Report
	var out []string
	add := func(k, v string) { out = append(out, fmt.Sprintf("%-11s %s", k, printable(v))) }
	list := func(k string, vs []string) {
		for i, v := range vs {
			if i > 0 {
				k = ""
			}
			add(k, v)
		}
	}
	add("Source:", fmt.Sprintf("%s (%s, %s)", r.Source.Path, r.Source.Format, r.Source.Compression))
	add("ID:", orNone(r.ID))
	if r.Digest != "" {
		add("Digest:", r.Digest)
	}
	list("Tags:", r.RepoTags)
	if !r.Created.IsZero() {
		add("Created:", r.Created.UTC().Format("2006-01-02T15:04:05Z07:00"))
	}
	if r.OS != "" {
		p := r.OS + "/" + r.Architecture
		if r.Variant != "" {
			p += "/" + r.Variant
		}
		add("Platform:", p)
	}
	c := r.Config
	add("User:", c.User)
	add("WorkingDir:", c.WorkingDir)
	add("Entrypoint:", strings.Join(c.Entrypoint, " "))
	add("Cmd:", strings.Join(c.Cmd, " "))
	list("Env:", c.Env)
	list("Ports:", c.ExposedPorts)
	list("Volumes:", c.Volumes)
	keys := make([]string, 0, len(c.Labels))
	for k := range c.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		name := ""
		if i == 0 {
			name = "Labels:"
		}
		add(name, k+"="+c.Labels[k])
	}
	add("Size:", fmt.Sprintf("%s (%d bytes, %s, %s)", render.Size(r.Size), r.Size, render.Count(len(r.Layers), "layer"), render.Count(r.Files, "file")))
	add("Efficiency:", fmt.Sprintf("%.2f%% (%s wasted)", r.Efficiency*100, render.Size(r.WastedBytes)))
	out = append(out, "", "History, newest first (layer, size, command):")
	if d.History == nil {
		for k := len(r.Layers) - 1; k >= 0; k-- {
			l := r.Layers[k]
			out = append(out, fmt.Sprintf("%3d %8s  %s", l.Index, render.Size(l.Size), oneLine(l.CreatedBy)))
		}
	}
	for _, h := range d.History {
		layer := "  -"
		if h.LayerIndex != nil {
			layer = fmt.Sprintf("%3d", *h.LayerIndex)
		}
		size := "-" // the layer was not read
		if h.Size != nil {
			size = render.Size(*h.Size)
		}
		out = append(out, fmt.Sprintf("%s %8s  %s", layer, size, oneLine(h.CreatedBy)))
	}
	out = append(out, "")
	if r.Verify == nil {
		out = append(out, "Verification: not run (strata explore --verify, or inspect --verify)")
	} else {
		out = append(out, "Verification: every digest holds")
		add("Config:", r.Verify.Config)
		if r.Verify.Manifest != "" {
			add("Manifest:", r.Verify.Manifest)
		}
		for _, l := range r.Verify.Layers {
			out = append(out, fmt.Sprintf("%3d  diff_id %s", l.Index, printable(l.DiffID)))
		}
	}
	if d.Diff != nil {
		out = append(out, "", "Config changes (OLD → NEW):")
		if len(d.Diff.Config) == 0 {
			out = append(out, "  none")
		}
		for _, ch := range d.Diff.Config {
			out = append(out, fmt.Sprintf("  %s: %v → %v", printable(ch.Field), ch.Old, ch.New))
		}
		for _, w := range d.Diff.Warnings {
			out = append(out, "Warning: "+printable(w))
		}
	}
	return out
}

func (m *Model) imageView(w, h int) []string {
	iw, ih := inner(w, h)
	var lines []string
	for r := m.image.top; r < len(m.imgText) && len(lines) < ih; r++ {
		s := m.st.mark[0]
		if r == m.image.cursor {
			s = m.st.selected
		}
		lines = append(lines, styled(s, m.imgText[r], iw))
	}
	return box(&m.st, "Image", lines, w, h, true)
}
