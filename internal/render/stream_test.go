package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/check"
	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/image"
)

// wholeJSON is what JSON wrote before it streamed: the document encoded whole by
// encoding/json, schema_version spliced in first. The streamer must write the same bytes.
func wholeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := buf.Bytes()
	if len(b) < 2 || b[0] != '{' {
		return fmt.Errorf("render: a JSON document must be an object, not %.20s", b)
	}
	head := fmt.Sprintf("{\n  \"schema_version\": %d", SchemaVersion)
	if bytes.HasPrefix(b, []byte("{}")) {
		_, err := io.WriteString(w, head+"\n}\n")
		return err
	}
	if _, err := io.WriteString(w, head+",\n"); err != nil {
		return err
	}
	_, err := w.Write(b[len("{\n"):])
	return err
}

type textKind int

func (k textKind) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("k<%d>\n", int(k))), nil }

type ptrText struct{ s string }

func (p *ptrText) MarshalText() ([]byte, error) { return []byte("p:" + p.s), nil }

type objJSON struct{ A int }

func (o objJSON) MarshalJSON() ([]byte, error) {
	return []byte(`{ "a" : [1, 2,{}], "b":"x\u2028" }`), nil
}

type strJSON string

func (s strJSON) MarshalJSON() ([]byte, error) { return []byte(`"` + string(s) + `"`), nil }

type Embedded struct{ E string }

type withEmbedded struct {
	Embedded
	F int `json:"f"`
}

type opts struct {
	S   string         `json:"s,omitempty"`
	N   int            `json:"n,omitempty"`
	P   *int           `json:"p,omitempty"`
	L   []int          `json:"l,omitempty"`
	M   map[string]int `json:"m,omitempty"`
	Str int            `json:"str,string"`
	Z   time.Time      `json:"z,omitzero"`
}

type doc struct {
	Name      string            `json:"name"`
	HTML      string            `json:"html"`
	Odd       string            `json:"odd"`
	Bytes     []byte            `json:"bytes"`
	NilBytes  []byte            `json:"nil_bytes"`
	Array     [3]uint8          `json:"array"`
	Empty     []string          `json:"empty"`
	Nil       []string          `json:"nil"`
	Rows      []row             `json:"rows"`
	Ptr       *row              `json:"ptr"`
	NilPtr    *row              `json:"nil_ptr"`
	Any       any               `json:"any"`
	AnyStruct any               `json:"any_struct"`
	Map       map[string]any    `json:"map"`
	EmptyMap  map[string]string `json:"empty_map"`
	Float     float64           `json:"float"`
	Floats    []float32         `json:"floats"`
	Time      image.Time        `json:"time"`
	ZeroTime  image.Time        `json:"zero_time"`
	Type      image.Type        `json:"type"`
	Kinds     []textKind        `json:"kinds"`
	PtrTexts  []ptrText         `json:"ptr_texts"`
	NilText   *ptrText          `json:"nil_text"`
	Obj       objJSON           `json:"obj"`
	StrJ      strJSON           `json:"strj"`
	StrJs     []strJSON         `json:"strjs"`
	Embedded  withEmbedded      `json:"embedded"`
	Opts      []opts            `json:"opts"`
	NoFields  struct{}          `json:"no_fields"`
	Untagged  int
	Dash      int `json:"-"`
	DashComma int `json:"-,"`
	BadTag    int `json:"a\"b"`
	Unicode   int `json:"ключ"`
	hidden    int
	Nested    [][]row `json:"nested"`
	Uint      uint64  `json:"uint"`
	Neg       int8    `json:"neg"`
	Bool      bool    `json:"bool"`
}

type row struct {
	Path   string   `json:"path"`
	Size   int64    `json:"size"`
	Paths  []string `json:"paths"`
	Reason *string  `json:"reason"`
}

func richDoc() doc {
	one := 1
	why := "content"
	return doc{
		Name: "x", HTML: "<a href='&'>", Odd: "a\x00b\x1f\x7f\"\\\b\f\n\r\t\u2028\u2029\xff\xfe é 😀",
		Bytes: []byte("bytes"), Array: [3]uint8{1, 2, 3}, Empty: []string{},
		Rows:      []row{{Path: "/a", Size: 1, Paths: []string{"/a/b", "/a/c"}, Reason: &why}, {Path: "/b", Paths: []string{}}},
		Ptr:       &row{Path: "/p"},
		Any:       []any{1, "two", nil, map[string]any{"k": []int{}}},
		AnyStruct: row{Path: "/any"},
		Map:       map[string]any{"z": 1, "a": []string{"x"}, "m": map[string]int{}},
		EmptyMap:  map[string]string{},
		Float:     1.5e-7, Floats: []float32{0, 3.25, 1e21},
		Time:     image.Time{Time: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)},
		Type:     image.TypeSymlink,
		Kinds:    []textKind{1, 2},
		PtrTexts: []ptrText{{"a"}, {"<b>"}},
		Obj:      objJSON{A: 1},
		StrJ:     "s\u2028", StrJs: []strJSON{"a", "b"},
		Embedded: withEmbedded{Embedded{"e"}, 2},
		Opts:     []opts{{}, {S: "s", N: 1, P: &one, L: []int{1}, M: map[string]int{"a": 1}, Str: 7, Z: time.Unix(1, 0).UTC()}},
		Untagged: 1, Dash: 2, DashComma: 3, BadTag: 4, Unicode: 5, hidden: 6,
		Nested: [][]row{{}, {{Path: "/n"}}, nil},
		Uint:   1 << 63, Neg: -8, Bool: true,
	}
}

// TestStreamJSONSameBytes: the streamer writes what encoding/json wrote, byte for byte,
// for every kind of value the contract uses and several it does not.
func TestStreamJSONSameBytes(t *testing.T) {
	values := map[string]any{
		"rich":         richDoc(),
		"rich pointer": &[]doc{richDoc()}[0],
		"empty struct": struct{}{},
		"only omitted": struct {
			A string `json:"a,omitempty"`
		}{},
		"map":       map[string]int{"b": 2, "a": 1},
		"empty map": map[string]int{},
		"marshaler": objJSON{},
		"list":      struct{ Files []row }{Files: make([]row, 3)},
	}
	for name, v := range values {
		var want, got bytes.Buffer
		werr := wholeJSON(&want, v)
		gerr := streamJSON(&got, v)
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%s: errors differ: whole %v, streamed %v", name, werr, gerr)
			continue
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("%s: streamed JSON differs (-want +got):\n%s", name, diff)
		}
	}
	for _, v := range []any{[]int{1}, "s", 3, nil} {
		var got bytes.Buffer
		if err := streamJSON(&got, v); err == nil {
			t.Errorf("%#v: no error for a document that is not an object", v)
		}
	}
	var got bytes.Buffer
	if err := streamJSON(&got, struct{ F float64 }{F: mathNaN()}); err == nil {
		t.Error("NaN: no error")
	}
}

func mathNaN() float64 { var z float64; return z / z }

// FuzzJSONString: the streamer's string encoding is encoding/json's (without HTML escaping).
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x00\x1f\x7f\"\\\b\f\n\r\t", "\u2028\u2029", "\xff\xfe\xc3", "é 😀 <&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := string(appendJSONString(nil, s)) + "\n"; got != want.String() {
			t.Fatalf("%q: got %s, want %s", s, got, want.String())
		}
	})
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestStreamJSONWriteError: a failing writer is an error, not a short document in silence.
func TestStreamJSONWriteError(t *testing.T) {
	rows := make([]row, 100_000)
	if err := streamJSON(&errWriter{n: 1 << 20}, struct{ Rows []row }{rows}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want the writer's", err)
	}
}

// TestJSONStreamsDiff: a diff of 100,000 changes is written in the bytes encoding/json
// writes for it, allocating a few bytes per change: the document is never held encoded
// (issue 18, item 9: it was encoded whole, then indented, a copy each, 3 GB at a million
// changes).
func TestJSONStreamsDiff(t *testing.T) {
	const n = 100_000
	r := &diff.Result{Mode: diff.ModeImages, Changes: make([]diff.Change, n), Config: []diff.ConfigChange{}, Runtime: []string{}, Warnings: []string{}}
	digest := "sha256:" + strings.Repeat("ab", 32)
	for i := range r.Changes {
		old := &diff.Entry{Type: image.TypeFile, Size: int64(i), Mode: "0644", ModTime: diff.Stamp(int64(i) * 1e9), Digest: &digest}
		nw := *old
		nw.ModTime = diff.NoStamp
		r.Changes[i] = diff.Change{Path: fmt.Sprintf("/usr/share/pkg%05d/file-%07d.txt", i/100, i), Kind: "C", Type: image.TypeFile, Entries: 1,
			Old: old, New: &nw, Reasons: []string{"mtime"}, Paths: []string{}}
	}
	var want bytes.Buffer
	if err := wholeJSON(&want, r); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	var got bytes.Buffer
	got.Grow(want.Len())
	runtime.ReadMemStats(&m0) // after the output buffer
	if err := JSON(&got, r); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&m1)
	if !bytes.Equal(want.Bytes(), got.Bytes()) {
		t.Fatalf("streamed diff JSON differs from encoding/json's (%d and %d bytes)", want.Len(), got.Len())
	}
	per := float64(m1.TotalAlloc-m0.TotalAlloc) / n
	t.Logf("%d bytes of JSON, %.1f bytes allocated per change", got.Len(), per)
	if per > 64 {
		t.Errorf("writing the JSON allocated %.1f bytes per change, want at most 64 (a %d-byte document)", per, got.Len())
	}
}

// TestLargeDocumentsStream: every struct the large documents hold (diff, inspect with its
// wasted and hidden lists, files, check) is one the streamer walks rather than encodes whole:
// a field layout it leaves to encoding/json (an embedded struct, ",string") would silently
// buffer that part again.
func TestLargeDocumentsStream(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, where string)
	walk = func(ty reflect.Type, where string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		if ty.Implements(documenterType) {
			walk(reflect.TypeOf(reflect.Zero(ty).Interface().(Documenter).JSONDocument()), where)
			return
		}
		if marshals(ty) || marshals(reflect.PointerTo(ty)) {
			return
		}
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(ty.Elem(), where+"[]")
		case reflect.Struct:
			if fieldsOf(ty) == nil {
				t.Errorf("%s (%s) is encoded whole, not streamed", where, ty)
				return
			}
			for _, f := range fieldsOf(ty) {
				walk(ty.Field(f.index).Type, where+"."+ty.Field(f.index).Name)
			}
		}
	}
	for name, v := range map[string]any{
		"diff":    diff.Result{},
		"inspect": inspect.Report{},
		"files":   files.File{},
		"history": history.Row{},
		"check":   check.Result{},
	} {
		walk(reflect.TypeOf(v), name)
	}
}
