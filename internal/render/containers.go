package render

import (
	"io"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// Containers prints the containers of an engine's data root, newest first, as `docker ps -a
// --size` lists them.
func Containers(w io.Writer, rows []image.Container, o Options) error {
	if o.Quiet {
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = short(r.ID, o.NoTrunc)
		}
		return list(w, ids, o.Null)
	}
	var out [][]string
	for _, r := range rows {
		name, state, img, created := r.Name, r.State, r.Image, "-"
		if name == "" {
			name = "-"
		}
		if state == "" {
			state = "-"
		}
		if img == "" {
			img = short(r.ImageID, o.NoTrunc)
		}
		if !r.Created.IsZero() {
			created = r.Created.UTC().Format("2006-01-02 15:04:05")
		}
		size := "-"
		if r.SizeRw >= 0 {
			size = Size(r.SizeRw)
		}
		out = append(out, []string{short(r.ID, o.NoTrunc), name, img, state, created, size, r.Engine + "/" + r.Driver})
	}
	return tableFit(w, o.Width, []string{"CONTAINER ID", "NAME", "IMAGE", "STATE", "CREATED", "SIZE", "ENGINE"}, out, 2, 1)
}

// containerLine says which container a diff is of.
func containerLine(c *image.Container) string {
	s := short(c.ID, false)
	if c.Name != "" {
		s += " " + c.Name
	}
	var about []string
	for _, x := range []string{c.Image, c.State, c.Engine + "/" + c.Driver} {
		if x != "" && x != "/" {
			about = append(about, x)
		}
	}
	return s + " (" + strings.Join(about, ", ") + ")"
}
