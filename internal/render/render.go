// Package render prints analysis results as tables for people or JSON for programs; it is
// the only package that writes output.
package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/strata-dev/strata/internal/units"
)

// Options shape table output.
type Options struct {
	NoTrunc bool // print digests and commands whole
	Quiet   bool // print only identifiers
	Null    bool // with Quiet: identifiers raw, each ended by a NUL byte, not escaped
	// Width fits tables to a terminal of this many columns by shrinking their free-text
	// columns (CREATED BY, COMMENT, config values); 0 keeps the stable layout of piped output,
	// where those columns are clipped at fixed widths.
	Width int
}

// SchemaVersion is the version of the JSON contract; every document states it first, as
// "schema_version". It changes only when a field is renamed or removed.
const SchemaVersion = 1

// JSON writes the object v as an indented JSON document, the contract form, with
// "schema_version" as its first field. It is streamed (see streamJSON): the bytes are
// encoding/json's, but a long list is never held encoded in memory.
func JSON(w io.Writer, v any) error { return streamJSON(w, v) }

// JSONList writes {"schema_version": 1, "KEY": [items…]}, one item at a time, so a long
// listing is never held encoded in memory whole. The output is what JSON would write for
// an object holding the slice under key.
func JSONList[T any](w io.Writer, key string, items []T) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	k, _ := json.Marshal(key)
	fmt.Fprintf(bw, "{\n  \"schema_version\": %d,\n  %s: ", SchemaVersion, k)
	if len(items) == 0 {
		bw.WriteString("[]\n}\n")
		return bw.Flush()
	}
	bw.WriteString("[\n")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	for i := range items {
		buf.Reset()
		if err := enc.Encode(items[i]); err != nil {
			return err
		}
		bw.WriteString("    ")
		bw.Write(bytes.TrimRight(buf.Bytes(), "\n"))
		if i < len(items)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// table writes a borderless, left-aligned table with no trailing spaces. Every cell is
// passed through Escape: a cell can never hold a control character or break its row.
func table(w io.Writer, header []string, rows [][]string) error {
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "   "}),
	)
	h := make([]any, len(header))
	for i, s := range header {
		h[i] = s
	}
	t.Header(h...)
	for _, r := range rows {
		esc := make([]string, len(r))
		for i, c := range r {
			esc[i] = Escape(c)
		}
		if err := t.Append(esc); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// Size formats bytes as every strata output does (units.Size: decimal units, 4 significant
// digits, as Docker's human output).
func Size(n int64) string { return units.Size(n) }

// short trims a digest to 12 hex digits unless noTrunc.
func short(d string, noTrunc bool) string {
	if noTrunc || d == "" {
		return d
	}
	if i := strings.IndexByte(d, ':'); i >= 0 {
		d = d[i+1:]
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// shortDigest keeps a digest's algorithm and its first 12 hex digits unless noTrunc; "" is
// "-".
func shortDigest(d string, noTrunc bool) string {
	if d == "" {
		return "-"
	}
	alg, hex, ok := strings.Cut(d, ":")
	if noTrunc || !ok || len(hex) <= 12 {
		return d
	}
	return alg + ":" + hex[:12]
}

// clip shortens s to n runes with an ellipsis unless noTrunc; runs of white space
// (newlines, tabs) become one space and other control characters are escaped.
func clip(s string, n int, noTrunc bool) string {
	s = Escape(strings.Join(strings.Fields(s), " "))
	if noTrunc {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Count says "1 layer", "2 layers", "1 entry", "3 entries" (units.Count).
func Count(n int, noun string) string { return units.Count(n, noun) }
