package render

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// streamJSON writes v as JSON writes it — encoding/json's output for an Encoder indenting
// by two spaces without HTML escaping, "schema_version" first — but walks structs, slices and
// pointers itself, encoding only their leaves (strings, numbers, maps, values with their own
// MarshalJSON or MarshalText) with encoding/json. A million-row diff is never held encoded
// in memory: what is buffered is one leaf and 64 KiB of output.
func streamJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	s := &streamer{w: bw}
	s.enc = json.NewEncoder(&s.leaf)
	s.enc.SetEscapeHTML(false)
	rv := reflect.ValueOf(v)
	for rv.IsValid() {
		if d, ok := rv.Interface().(Documenter); ok && !(rv.Kind() == reflect.Pointer && rv.IsNil()) {
			rv = reflect.ValueOf(d.JSONDocument())
			continue
		}
		if (rv.Kind() != reflect.Pointer && rv.Kind() != reflect.Interface) || rv.IsNil() || marshals(rv.Type()) {
			break
		}
		rv = rv.Elem()
	}
	head := fmt.Sprintf("{\n  \"schema_version\": %d", SchemaVersion)
	switch {
	case rv.IsValid() && rv.Kind() == reflect.Struct && !marshals(rv.Type()) && fieldsOf(rv.Type()) != nil:
		bw.WriteString(head)
		if _, err := s.fields(rv, 1, true); err != nil {
			return err
		}
		bw.WriteString("\n}\n")
	default:
		// Anything else is encoded whole, as JSON always did (a map, a Marshaler).
		if err := s.encodeLeaf(rv, 0); err != nil {
			return err
		}
		b := s.leaf.Bytes()
		if len(b) < 2 || b[0] != '{' {
			return fmt.Errorf("render: a JSON document must be an object, not %.20s", b)
		}
		if bytes.HasPrefix(b, []byte("{}")) {
			bw.WriteString(head + "\n}\n")
		} else {
			bw.WriteString(head + ",\n")
			bw.Write(b[len("{\n"):])
			bw.WriteString("\n")
		}
	}
	return bw.Flush()
}

type streamer struct {
	w       *bufio.Writer
	leaf    bytes.Buffer
	enc     *json.Encoder
	types   map[reflect.Type]typeInfo
	scratch []byte
}

// JSONAppender is a type (through its pointer) that appends the JSON its MarshalJSON
// writes, without allocating: the streamer calls it on addressable values.
type JSONAppender interface{ AppendJSON(b []byte) []byte }

var (
	jsonAppenderType = reflect.TypeFor[JSONAppender]()
	textAppenderType = reflect.TypeFor[encoding.TextAppender]()
)

// typeInfo is what the streamer needs to know of a type, found once per type (asking
// reflect whether a type implements an interface, per value, costs more than encoding it).
type typeInfo struct {
	documenter     bool // implements Documenter
	marshals       bool // implements json.Marshaler or encoding.TextMarshaler
	ptrMarshals    bool // its pointer does
	ptrAppendsJSON bool // its pointer is a JSONAppender
	appendsText    bool // a TextMarshaler (and no json.Marshaler) that is also an encoding.TextAppender
}

func (s *streamer) info(t reflect.Type) typeInfo {
	ti, ok := s.types[t]
	if !ok {
		pt := reflect.PointerTo(t)
		ti = typeInfo{documenter: t.Implements(documenterType), marshals: marshals(t), ptrMarshals: marshals(pt),
			ptrAppendsJSON: pt.Implements(jsonAppenderType) && pt.Implements(marshalerType),
			appendsText:    t.Implements(textAppenderType) && t.Implements(textMarshalerType) && !t.Implements(marshalerType)}
		if s.types == nil {
			s.types = map[reflect.Type]typeInfo{}
		}
		s.types[t] = ti
	}
	return ti
}

const indentUnit = "  "

// spaces is indentation for 64 levels; deeper levels are written in pieces.
var spaces = strings.Repeat(indentUnit, 64)

func (s *streamer) indent(depth int) {
	for n := len(indentUnit) * depth; n > 0; n -= len(spaces) {
		s.w.WriteString(spaces[:min(n, len(spaces))])
	}
}

// encodeLeaf encodes v with encoding/json, indented as it would be at depth, into s.leaf,
// without the encoder's trailing newline.
func (s *streamer) encodeLeaf(v reflect.Value, depth int) error {
	s.leaf.Reset()
	s.enc.SetIndent(strings.Repeat(indentUnit, depth), indentUnit)
	var x any
	if v.IsValid() {
		x = v.Interface()
	}
	if err := s.enc.Encode(x); err != nil {
		return err
	}
	s.leaf.Truncate(s.leaf.Len() - 1) // the newline Encode ends with
	return nil
}

// Documenter is a value whose JSON is another value's: a type whose MarshalJSON only picks
// the shape of its document returns that shape here, and the streamer walks it instead of
// encoding it whole.
type Documenter interface{ JSONDocument() any }

var documenterType = reflect.TypeFor[Documenter]()

// value writes v at depth (the caller has written the indentation before it).
func (s *streamer) value(v reflect.Value, depth int) error {
	for {
		if !v.IsValid() {
			s.w.WriteString("null")
			return nil
		}
		t := v.Type()
		ti := s.info(t)
		if ti.documenter && !(t.Kind() == reflect.Pointer && v.IsNil()) {
			v = reflect.ValueOf(v.Interface().(Documenter).JSONDocument())
			continue
		}
		if ti.ptrAppendsJSON && v.CanAddr() {
			// A pointer in an interface is not allocated: no garbage per value.
			s.w.Write(v.Addr().Interface().(JSONAppender).AppendJSON(s.w.AvailableBuffer()))
			return nil
		}
		if ti.appendsText {
			b, err := v.Interface().(encoding.TextAppender).AppendText(s.scratch[:0])
			if err != nil {
				return s.leafOut(v, depth)
			}
			s.scratch = b
			s.w.Write(appendJSONString(s.w.AvailableBuffer(), b))
			return nil
		}
		if ti.marshals {
			return s.marshaler(v, v, depth)
		}
		if ti.ptrMarshals && v.CanAddr() {
			return s.marshaler(v, v.Addr(), depth)
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				s.w.WriteString("null")
				return nil
			}
			v = v.Elem()
			continue
		case reflect.String:
			s.w.Write(appendJSONString(s.w.AvailableBuffer(), v.String()))
			return nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s.w.Write(strconv.AppendInt(s.w.AvailableBuffer(), v.Int(), 10))
			return nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			s.w.Write(strconv.AppendUint(s.w.AvailableBuffer(), v.Uint(), 10))
			return nil
		case reflect.Bool:
			s.w.WriteString(strconv.FormatBool(v.Bool()))
			return nil
		case reflect.Struct:
			if fieldsOf(t) == nil {
				return s.leafOut(v, depth)
			}
			s.w.WriteString("{")
			n, err := s.fields(v, depth+1, false)
			if err != nil {
				return err
			}
			if n == 0 {
				s.w.WriteString("}")
				return nil
			}
			s.w.WriteString("\n")
			s.indent(depth)
			s.w.WriteString("}")
			return nil
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && (v.IsNil() || t.Elem().Kind() == reflect.Uint8) {
				return s.leafOut(v, depth) // null, or []byte as base64
			}
			if v.Len() == 0 {
				s.w.WriteString("[]")
				return nil
			}
			s.w.WriteString("[\n")
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					if _, err := s.w.WriteString(",\n"); err != nil {
						return err // the output failed: stop here, not after a million rows
					}
				}
				s.indent(depth + 1)
				if err := s.value(v.Index(i), depth+1); err != nil {
					return err
				}
			}
			s.w.WriteString("\n")
			s.indent(depth)
			s.w.WriteString("]")
			return nil
		}
		return s.leafOut(v, depth) // floats, maps, channels (an error), …
	}
}

// marshaler writes v, whose type (or m's, its address) encodes itself, as encoding/json
// does: a nil pointer is null; MarshalText's bytes are a string; MarshalJSON's output is
// written as it is when it is a plain scalar (what encoding/json's compaction and indentation
// leave unchanged), and through encoding/json otherwise.
func (s *streamer) marshaler(v, m reflect.Value, depth int) error {
	if m.Kind() == reflect.Pointer && m.IsNil() {
		s.w.WriteString("null")
		return nil
	}
	if jm, ok := m.Interface().(json.Marshaler); ok {
		b, err := jm.MarshalJSON()
		if err != nil || len(b) == 0 || b[0] == '{' || b[0] == '[' || bytes.IndexByte(b, 0xE2) >= 0 || !json.Valid(b) {
			return s.leafOut(m, depth) // encoding/json reports the error, or compacts and indents
		}
		_, err = s.w.Write(b)
		return err
	}
	b, err := m.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return s.leafOut(m, depth)
	}
	s.w.Write(appendJSONString(s.w.AvailableBuffer(), b))
	return nil
}

// appendJSONString is encoding/json's string encoding without HTML escaping: quotes,
// backslashes and control characters escaped (\b \f \n \r \t, else \u00XX), invalid UTF-8
// as \ufffd, U+2028 and U+2029 as \u2028 and \u2029.
func appendJSONString[B []byte | string](dst []byte, src B) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if b := src[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}

// leafOut writes v through encoding/json, indented for depth.
func (s *streamer) leafOut(v reflect.Value, depth int) error {
	if err := s.encodeLeaf(v, depth); err != nil {
		return err
	}
	_, err := s.w.Write(s.leaf.Bytes())
	return err
}

// fields writes the fields of struct v, each on a line of its own at depth, as
// `"name": value`, separated by commas; after is set when something was written before the
// first (schema_version). It returns how many fields it wrote.
func (s *streamer) fields(v reflect.Value, depth int, after bool) (int, error) {
	n := 0
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		if n > 0 || after {
			s.w.WriteString(",")
		}
		s.w.WriteString("\n")
		s.indent(depth)
		s.w.WriteString(f.key)
		if err := s.value(fv, depth); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// field is one struct field as encoding/json writes it.
type field struct {
	index     int
	key       string // the encoded name, a colon and a space: `"name": `
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type → []field (nil: encode the struct whole)

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// marshals reports a type that encodes itself.
func marshals(t reflect.Type) bool {
	return t.Implements(marshalerType) || t.Implements(textMarshalerType)
}

// fieldsOf lists struct t's fields in encoding/json's order and names, or returns nil when t
// uses a feature this walker leaves to encoding/json (embedded fields, ",string",
// "omitzero", names used twice): such a struct is encoded whole.
func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
	seen := map[string]bool{}
	ok := true
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			ok = false
			break
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !validTagName(name) {
			name = ""
		}
		if name == "" {
			name = sf.Name
		}
		f := field{index: i}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				f.omitEmpty = true
			default:
				ok = false
			}
		}
		if seen[name] {
			ok = false
		}
		seen[name] = true
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(name)
		f.key = strings.TrimSuffix(b.String(), "\n") + ": "
		out = append(out, f)
	}
	if !ok {
		out = nil
	} else if out == nil {
		out = []field{} // no fields: "{}"
	}
	fieldCache.Store(t, out)
	return out
}

// validTagName is encoding/json's test for a usable tag name.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// isEmpty is encoding/json's omitempty test.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
