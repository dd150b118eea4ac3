package check

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// RulesError is a bad rules file: the file, the position and the key at fault. Its text is
// one line: "FILE:LINE:COLUMN: KEY: MESSAGE".
type RulesError struct {
	File   string
	Line   int // 0 when the fault has no position (e.g. an empty file)
	Column int
	Key    string // the key path, e.g. files[2].uid; "" for a syntax error
	Msg    string
}

func (e *RulesError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// nodeError is an error a value's decoder found, at the value's node.
type nodeError struct {
	node ast.Node
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

func errAt(n ast.Node, format string, args ...any) error {
	return &nodeError{node: n, msg: fmt.Sprintf(format, args...)}
}

var typeMsg = regexp.MustCompile(`^cannot unmarshal (\S+) into Go (?:struct field \S+|value) of type (\S+)$`)

// goTypeNames says in YAML's words what a Go type wants.
func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case strings.Contains(t, "int"):
		return "an integer"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "float"):
		return "a number"
	}
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return "a " + strings.ToLower(t)
}

// rulesError turns a decoding error into a *RulesError naming file, position and key.
func rulesError(file string, src *ast.File, err error) error {
	var ne *nodeError
	if errors.As(err, &ne) {
		tk := ne.node.GetToken()
		return &RulesError{File: file, Line: tk.Position.Line, Column: tk.Position.Column, Key: keyPath(ne.node.GetPath()), Msg: ne.msg}
	}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &RulesError{File: file, Msg: err.Error()}
	}
	tk := ye.GetToken()
	e := &RulesError{File: file, Msg: ye.GetMessage()}
	if tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
		e.Key = keyPath(pathOfToken(src, tk))
	}
	var uf *yaml.UnknownFieldError
	var te *yaml.TypeError
	switch {
	case errors.As(err, &uf):
		e.Msg = "unknown key"
		if tk != nil {
			e.Msg = fmt.Sprintf("unknown key %q", tk.Value)
		}
	case errors.As(err, &te):
		if m := typeMsg.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("want %s, got %s %q", goTypeName(m[2]), m[1], tk.Value)
		}
	}
	return e
}

// pathOfToken finds the node a token belongs to and returns its path ("$.a.b[0]").
func pathOfToken(f *ast.File, tk *token.Token) string {
	if f == nil {
		return ""
	}
	var found string
	for _, d := range f.Docs {
		ast.Walk(visitor(func(n ast.Node) bool {
			if found != "" {
				return false
			}
			if t := n.GetToken(); t != nil && t.Position.Offset == tk.Position.Offset && t.Position.Line == tk.Position.Line {
				if mv, ok := n.(*ast.MappingValueNode); ok {
					found = mv.Key.GetPath()
				} else {
					found = n.GetPath()
				}
				return false
			}
			return true
		}), d)
	}
	return found
}

type visitor func(ast.Node) bool

func (v visitor) Visit(n ast.Node) ast.Visitor {
	if n == nil || !v(n) {
		return nil
	}
	return v
}

// keyPath turns a YAML path ("$.files[0].uid") into a key ("files[0].uid").
func keyPath(p string) string {
	p = strings.TrimPrefix(p, "$")
	p = strings.TrimPrefix(p, ".")
	return p
}
