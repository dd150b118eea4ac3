package render

import (
	"io"
	"strconv"
	"strings"

	"github.com/strata-dev/strata/images"
)

// Images prints the images of an archive, one row per image and platform, then, apart,
// the artifacts its indexes list (with -q: the image IDs only).
func Images(w io.Writer, r images.Report, o Options) error {
	rows := r.Images
	if o.Quiet {
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = short(r.ID, o.NoTrunc)
		}
		return list(w, ids, o.Null)
	}
	// Rows alike in tags, ID and platform (one image in two manifests) show their manifests.
	seen := map[string]int{}
	for _, r := range rows {
		seen[strings.Join(r.RepoTags, ",")+"|"+r.ID+"|"+r.Platform]++
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
		if seen[strings.Join(r.RepoTags, ",")+"|"+r.ID+"|"+r.Platform] > 1 && r.Digest != "" {
			id += " (manifest " + short(r.Digest, o.NoTrunc) + ")"
		}
		plat, created := r.Platform, "-"
		if plat == "" {
			plat = "-"
		}
		if r.ConfigPlatform != "" && r.Platform != "" && r.ConfigPlatform != r.Platform {
			plat += " (config: " + r.ConfigPlatform + ")"
		}
		if !r.Created.IsZero() {
			created = r.Created.UTC().Format(layout)
		}
		out = append(out, []string{tags, id, plat, created, strconv.Itoa(r.Layers), Size(r.Size), Size(r.TarSize)})
	}
	if len(out) > 0 || len(r.Artifacts) == 0 {
		if err := tableFit(w, o.Width, []string{"TAGS", "IMAGE ID", "PLATFORM", "CREATED", "LAYERS", "SIZE", "STORED"}, out, 0); err != nil {
			return err
		}
	}
	if len(r.Artifacts) == 0 {
		return nil
	}
	if len(out) > 0 {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	out = out[:0]
	for _, a := range r.Artifacts {
		tags := "<none>"
		if len(a.RepoTags) > 0 {
			tags = strings.Join(a.RepoTags, ", ")
		}
		subject := "-"
		if a.Subject != "" {
			subject = short(a.Subject, o.NoTrunc)
		}
		out = append(out, []string{a.Type, a.MediaType, tags, subject, short(a.Digest, o.NoTrunc), Size(a.Size)})
	}
	return tableFit(w, o.Width, []string{"ARTIFACT", "MEDIA TYPE", "TAGS", "SUBJECT", "DIGEST", "SIZE"}, out, 2, 1, 0)
}
