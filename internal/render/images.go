package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/strata-dev/strata/images"
)

// Images prints the images of an archive, one row per image and platform.
func Images(w io.Writer, rows []images.Image, o Options) error {
	if o.Quiet {
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = short(r.ID, o.NoTrunc)
		}
		return list(w, ids, o.Null)
	}
	// On a narrow terminal CREATED keeps its date only: the table's other columns are
	// identifiers and numbers, and TAGS shrinks.
	layout := "2006-01-02 15:04:05"
	if o.Width > 0 && o.Width < 100 {
		layout = "2006-01-02"
	}
	var out [][]string
	for _, r := range rows {
		tags := "<none>"
		if len(r.RepoTags) > 0 {
			tags = strings.Join(r.RepoTags, ", ")
		}
		id := short(r.ID, o.NoTrunc)
		if id == "" {
			id = "-" // a root filesystem has no config
		}
		plat, created := r.Platform, "-"
		if plat == "" {
			plat = "-"
		}
		if !r.Created.IsZero() {
			created = r.Created.UTC().Format(layout)
		}
		out = append(out, []string{tags, id, plat, created, strconv.Itoa(r.Layers), Size(r.Size), Size(r.TarSize)})
	}
	return tableFit(w, o.Width, []string{"TAGS", "IMAGE ID", "PLATFORM", "CREATED", "LAYERS", "SIZE", "STORED"}, out, 0)
}
