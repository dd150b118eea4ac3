package inspect

import (
	"bytes"
	"encoding/json"

	"github.com/strata-dev/strata/internal/image"
)

// noFiles reports whether img's layers were left unread, so nothing file-level is known.
func noFiles(img *image.Image) bool {
	for _, l := range img.Layers {
		if l.Unread {
			return true
		}
	}
	return false
}

// MarshalJSON writes the report; with NoFiles, its file-level fields are null (not
// computed), the rest as always, in the same order.
func (r Report) MarshalJSON() ([]byte, error) { return marshal(r.JSONDocument()) }

// JSONDocument is the value the report's JSON encodes (render streams it).
func (r Report) JSONDocument() any {
	type plain Report
	if !r.NoFiles {
		return plain(r)
	}
	type layer struct {
		Index     int       `json:"index"`
		DiffID    string    `json:"diff_id"`
		Digest    string    `json:"digest"`
		MediaType string    `json:"media_type"`
		Foreign   bool      `json:"foreign"`
		URLs      []string  `json:"urls"`
		Size      *int64    `json:"size"`
		TarSize   int64     `json:"tar_size"`
		Files     *int      `json:"files"`
		CreatedBy string    `json:"created_by"`
		Wasted    *int64    `json:"wasted_bytes"`
		TopFiles  []TopFile `json:"top_files"`
	}
	doc := struct {
		Source       image.Source `json:"source"`
		ID           string       `json:"id"`
		Digest       string       `json:"digest"`
		RepoTags     []string     `json:"repo_tags"`
		Created      image.Time   `json:"created"`
		OS           string       `json:"os"`
		Architecture string       `json:"architecture"`
		Variant      string       `json:"variant"`
		Platform     string       `json:"platform"`
		Config       Config       `json:"config"`
		Size         *int64       `json:"size"`
		Layers       []layer      `json:"layers"`
		Files        *int         `json:"files"`
		Efficiency   *float64     `json:"efficiency"`
		WastedBytes  *int64       `json:"wasted_bytes"`
		Wasted       []Waste      `json:"wasted"`
		Hidden       []Hidden     `json:"hidden"`
		Verify       *Verify      `json:"verify"`
		Escaping     []EntryRef   `json:"escaping_paths"`
		Warnings     []string     `json:"warnings"`
	}{
		Source: r.Source, ID: r.ID, Digest: r.Digest, RepoTags: r.RepoTags, Created: r.Created,
		OS: r.OS, Architecture: r.Architecture, Variant: r.Variant, Platform: r.Platform, Config: r.Config,
		Layers: []layer{}, Verify: r.Verify, Warnings: r.Warnings,
	}
	for _, l := range r.Layers {
		doc.Layers = append(doc.Layers, layer{Index: l.Index, DiffID: l.DiffID, Digest: l.Digest,
			MediaType: l.MediaType, Foreign: l.Foreign, URLs: l.URLs, TarSize: l.TarSize, CreatedBy: l.CreatedBy})
	}
	return doc
}

// marshal encodes v as render.JSON does: no HTML escaping (a command's && stays readable).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
