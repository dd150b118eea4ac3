package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/strata-dev/strata/internal/units"
)

// MaxLockBytes bounds the lock files Read accepts (a lock is a few KB).
const MaxLockBytes = 16 << 20

// ErrSchema means a lock is of a schema version this strata does not read.
var ErrSchema = errors.New("unsupported lock schema")

// ReadError is a malformed lock: the file, the 1-based line and column, and the key (a
// path such as layers[2].size) where it went wrong.
type ReadError struct {
	File      string
	Line, Col int
	Key       string // "" for the document itself
	Msg       string
	Err       error // ErrSchema for another schema version, else nil
}

func (e *ReadError) Error() string {
	where := fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	if e.Key != "" {
		return fmt.Sprintf("%s: key %s: %s", where, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", where, e.Msg)
}

func (e *ReadError) Unwrap() error { return e.Err }

// Read parses a lock strictly: the document must be one JSON object of schema 1 with
// every key of the format and no other, each of its type; duplicate keys, trailing data
// and inconsistent values (layer indexes out of order, malformed digests, negative sizes)
// are errors. Whitespace and key order do not matter. Errors are *ReadError naming the
// file (name), line, column and key.
func Read(r io.Reader, name string) (*Lock, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLockBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	v := &validator{name: name, data: data, pos: map[string]int{}}
	if len(data) > MaxLockBytes {
		return nil, v.errAt(0, "", fmt.Sprintf("larger than %d bytes: not a strata lock", MaxLockBytes))
	}
	// Syntax first, with the offset of the first bad byte: json.Valid keeps nothing, and only
	// a document it refuses is decoded again (into a RawMessage, never into interface values:
	// 16 MiB of `{},` would be 5 million maps) for the error's offset.
	if !json.Valid(data) {
		var doc json.RawMessage
		err := json.Unmarshal(data, &doc)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off := int(se.Offset)
			if off > 0 {
				off-- // Offset counts the bad byte
			}
			return nil, v.errAt(off, "", "not JSON: "+se.Error())
		}
		return nil, v.errAt(0, "", fmt.Sprintf("not JSON: %v", err))
	}
	if err := v.checkSchema(); err != nil {
		return nil, err
	}
	v.dec = json.NewDecoder(bytes.NewReader(data))
	v.dec.UseNumber()
	if err := v.value(reflect.TypeOf(Lock{}), ""); err != nil {
		return nil, err
	}
	if off := v.skipSpace(int(v.dec.InputOffset())); off < len(data) {
		return nil, v.errAt(off, "", "unexpected data after the lock")
	}
	lk := &Lock{}
	if err := json.Unmarshal(data, lk); err != nil { // cannot fail once validated
		return nil, v.errAt(0, "", err.Error())
	}
	if err := v.check(lk); err != nil {
		return nil, err
	}
	return lk, nil
}

// validator walks a JSON document against a Go type with a token decoder, to name the
// line and key of the first mismatch.
type validator struct {
	name string
	data []byte
	dec  *json.Decoder
	pos  map[string]int // offset of each key's value, for the consistency checks
}

func (v *validator) errAt(off int, key, msg string) *ReadError {
	line, col := 1, 1
	for i := 0; i < off && i < len(v.data); i++ {
		if v.data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &ReadError{File: v.name, Line: line, Col: col, Key: key, Msg: msg}
}

// skipSpace returns the offset of the next token at or after off (skipping whitespace and
// the separators the decoder has not consumed yet).
func (v *validator) skipSpace(off int) int {
	for off < len(v.data) {
		switch v.data[off] {
		case ' ', '\t', '\n', '\r', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// token reads the next token and the offset it starts at.
func (v *validator) token(key string) (json.Token, int, error) {
	off := v.skipSpace(int(v.dec.InputOffset()))
	t, err := v.dec.Token()
	if err != nil {
		switch {
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, off, v.errAt(len(v.data), key, "not JSON: unexpected end of input")
		}
		return nil, off, v.errAt(off, key, "not JSON: "+err.Error())
	}
	return t, off, nil
}

// checkSchema finds the top-level "schema" key first, so that a lock of another version is
// named as such rather than by the first key this version does not know.
func (v *validator) checkSchema() error {
	dec := json.NewDecoder(bytes.NewReader(v.data))
	dec.UseNumber()
	v.dec = dec
	t, off, err := v.token("")
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return v.errAt(off, "", "not a strata lock: want a JSON object, got "+describe(t))
	}
	for dec.More() {
		k, _, err := v.token("")
		if err != nil {
			return err
		}
		valOff := v.skipSpace(int(dec.InputOffset()))
		if k != "schema" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil // reported with its position by the full walk
			}
			continue
		}
		var n json.Number
		if err := dec.Decode(&n); err != nil {
			return v.errAt(valOff, "schema", "want the integer 1")
		}
		if n.String() != strconv.Itoa(Schema) {
			e := v.errAt(valOff, "schema", fmt.Sprintf("schema %s: this strata reads lock schema %d (re-run strata baseline to write one)", n, Schema))
			e.Err = ErrSchema
			return e
		}
		return nil
	}
	return nil // the missing key is reported by the full walk
}

var anyType = reflect.TypeOf((*any)(nil)).Elem()

// value checks the next JSON value against t; key names it.
func (v *validator) value(t reflect.Type, key string) error {
	if t == anyType {
		off := v.skipSpace(int(v.dec.InputOffset()))
		var raw json.RawMessage
		if err := v.dec.Decode(&raw); err != nil {
			return v.errAt(off, key, "not JSON: "+err.Error())
		}
		return nil
	}
	tok, off, err := v.token(key)
	if err != nil {
		return err
	}
	v.pos[key] = off
	want := func(what string) error {
		return v.errAt(off, key, fmt.Sprintf("want %s, got %s", what, describe(tok)))
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return want("an object")
		}
		fields := map[string]reflect.Type{}
		var order []string
		optional := map[string]bool{} // omitempty keys: absent in locks written before they existed
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
			order = append(order, name)
			optional[name] = opts == "omitempty"
		}
		seen := map[string]bool{}
		for v.dec.More() {
			kt, koff, err := v.token(key)
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			sub := join(key, k)
			ft, ok := fields[k]
			switch {
			case !ok:
				return v.errAt(koff, sub, "unknown key")
			case seen[k]:
				return v.errAt(koff, sub, "duplicate key")
			}
			seen[k] = true
			if err := v.value(ft, sub); err != nil {
				return err
			}
		}
		end, eoff, err := v.token(key)
		if err != nil {
			return err
		}
		for _, k := range order {
			if !seen[k] && !optional[k] {
				return v.errAt(eoff, join(key, k), "missing key")
			}
		}
		_ = end
		return nil
	case reflect.Map:
		if tok != json.Delim('{') {
			return want("an object")
		}
		seen := map[string]bool{}
		for v.dec.More() {
			kt, koff, err := v.token(key)
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			sub := key + "[" + strconv.Quote(k) + "]"
			if seen[k] {
				return v.errAt(koff, sub, "duplicate key")
			}
			seen[k] = true
			if err := v.value(t.Elem(), sub); err != nil {
				return err
			}
		}
		_, _, err := v.token(key)
		return err
	case reflect.Slice:
		if tok != json.Delim('[') {
			return want("an array")
		}
		for i := 0; v.dec.More(); i++ {
			if err := v.value(t.Elem(), fmt.Sprintf("%s[%d]", key, i)); err != nil {
				return err
			}
		}
		_, _, err := v.token(key)
		return err
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return want("a string")
		}
	case reflect.Int, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return want("an integer")
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return want("an integer")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return want("true or false")
		}
	default:
		return v.errAt(off, key, "unsupported type "+t.String()) // a bug in Lock, not in the input
	}
	return nil
}

func join(key, k string) string {
	if key == "" {
		return k
	}
	return key + "." + k
}

// describe names a token's JSON type for messages.
func describe(t json.Token) string {
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return strconv.Quote(string(x))
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return "string " + strconv.Quote(x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case nil:
		return "null"
	}
	return fmt.Sprint(t)
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// check tests the values the types cannot: each error names the key's position.
func (v *validator) check(lk *Lock) error {
	bad := func(key, msg string) error { return v.errAt(v.pos[key], key, msg) }
	if lk.Size < 0 {
		return bad("size", "negative")
	}
	if lk.Files < 0 {
		return bad("files", "negative")
	}
	if lk.Image.ID != "" && !digestRE.MatchString(lk.Image.ID) {
		return bad("image.id", "want sha256:<64 hex digits> or \"\"")
	}
	if lk.Base.Layers < 0 || lk.Base.Layers > len(lk.Layers) {
		return bad("base.layers", fmt.Sprintf("%d, but the lock has %s", lk.Base.Layers, units.Count(len(lk.Layers), "layer")))
	}
	switch lk.Base.From {
	case "", "flag", "history":
	default:
		return bad("base.from", fmt.Sprintf("%q: want \"flag\", \"history\" or \"\"", lk.Base.From))
	}
	for i, l := range lk.Layers {
		k := fmt.Sprintf("layers[%d]", i)
		switch {
		case l.Index != i:
			return bad(k+".index", fmt.Sprintf("%d: layers must be listed in order from 0", l.Index))
		case l.DiffID != "" && !digestRE.MatchString(l.DiffID):
			return bad(k+".diff_id", "want sha256:<64 hex digits> or \"\"")
		case !digestRE.MatchString(l.Fingerprint):
			return bad(k+".fingerprint", "want sha256:<64 hex digits>")
		case l.Size < 0:
			return bad(k+".size", "negative")
		case l.Files < 0:
			return bad(k+".files", "negative")
		}
		for j, f := range l.TopFiles {
			if f.Size < 0 || !strings.HasPrefix(f.Path, "/") {
				return bad(fmt.Sprintf("%s.top_files[%d]", k, j), "want an absolute path and a size of 0 or more")
			}
		}
		for j, d := range l.TopDirs {
			if d.Size < 0 || d.Files < 0 || !strings.HasPrefix(d.Path, "/") {
				return bad(fmt.Sprintf("%s.top_dirs[%d]", k, j), "want an absolute path, a size and a file count of 0 or more")
			}
		}
	}
	return nil
}
