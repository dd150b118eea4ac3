package check

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Limits bound the YAML documents check reads — rules files, .dive-ci files,
// container-structure-test files and --rule values — before the parser builds anything:
// go-yaml's parser takes memory quadratic in nesting (a 200 kB list nested 100,000 deep
// asks for tens of GB) and hundreds of bytes per token, and its decoder expands aliases
// (a few hundred bytes of anchors name a billion scalars).
type Limits struct {
	MaxDepth int // nesting of mappings and sequences, the document's own mapping being 1
	MaxNodes int // tokens (scalars, brackets, dashes, colons…), aliases counted as what they expand to
}

// DefaultLimits are generous for any real rules file (a few levels deep, a few hundred
// nodes) and keep the parser within tens of MB.
var DefaultLimits = Limits{MaxDepth: 64, MaxNodes: 100_000}

// errYAMLLimit marks a document refused by Limits.
var errYAMLLimit = errors.New("YAML limit")

// parseYAML parses data (a file called name) once it is known to be within the limits:
// its size, then (scanning tokens, which costs little and keeps nothing) its nesting and
// token count, then (on the tree) what its aliases expand to; a zero bound is no bound.
// Errors are *RulesError naming the position and the top-level key.
func parseYAML(data []byte, name string, lim Limits) (*ast.File, error) {
	if len(data) > maxRulesFile {
		return nil, &RulesError{File: name, Msg: fmt.Sprintf("%d bytes: more than %d allowed for a rules file", len(data), maxRulesFile)}
	}
	if err := scanBounds(data, name, lim); err != nil {
		return nil, err
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, rulesError(name, nil, err)
	}
	if err := aliasBounds(f, name, lim); err != nil {
		return nil, err
	}
	return f, nil
}

// scanBounds reads data's structure without parsing it and refuses a document nested
// deeper than lim.MaxDepth or of more than lim.MaxNodes tokens, at the first token past the
// bound. (go-yaml's own scanner cannot stop early: it returns a whole line's tokens at once.)
// Flow collections ([…], {…}) nest by their brackets; block collections by indentation: a
// dash, or a key, further right than the collection it is in opens one more level. Quoted
// scalars, comments and block scalars (| and >) are skipped as YAML reads them; the count
// errs on the high side (every scalar, bracket, comma, dash, colon, anchor, alias and tag).
func scanBounds(data []byte, name string, lim Limits) error {
	y := &yamlScan{data: data, lim: lim, line: 1, col: 1}
	if err := y.run(); err != nil {
		return &RulesError{File: name, Line: y.errLine, Column: y.errCol, Key: y.top, Msg: err.Error()}
	}
	return nil
}

type blockLevel struct {
	col int
	seq bool // a sequence (of dashes), else a mapping
}

type yamlScan struct {
	data []byte
	lim  Limits
	i    int // next byte
	line int // of data[i], 1-based
	col  int // of data[i], 1-based

	block  []blockLevel // the open block collections
	flow   int          // open flow collections
	nodes  int
	top    string // the top-level key being read
	indent int    // indentation of the current line

	errLine, errCol int
}

func (y *yamlScan) peek(k int) byte {
	if y.i+k < len(y.data) {
		return y.data[y.i+k]
	}
	return 0
}

// next consumes one byte, keeping the position.
func (y *yamlScan) next() {
	if y.data[y.i] == '\n' {
		y.line, y.col = y.line+1, 1
	} else {
		y.col++
	}
	y.i++
}

func blank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0 }

// count counts one token at the current position.
func (y *yamlScan) count() error {
	y.nodes++
	if y.lim.MaxNodes > 0 && y.nodes > y.lim.MaxNodes {
		return y.fail("more than %d YAML tokens (%v: --limit yaml-nodes=N raises it)", y.lim.MaxNodes, errYAMLLimit)
	}
	return nil
}

func (y *yamlScan) fail(format string, args ...any) error {
	y.errLine, y.errCol = y.line, y.col
	return fmt.Errorf(format, args...)
}

func (y *yamlScan) depth() error {
	if d := len(y.block) + y.flow; y.lim.MaxDepth > 0 && d > y.lim.MaxDepth {
		return y.fail("nested deeper than %d levels (%v: --limit yaml-depth=N raises it)", y.lim.MaxDepth, errYAMLLimit)
	}
	return nil
}

// blockAt notes a block collection entry at line and col: a dash (seq) or a key. A dash at
// the column of the key whose value it starts ("a:\n- b", an indentless sequence) opens a
// level too, which the next key at that column closes.
func (y *yamlScan) blockAt(line, col int, seq bool) error {
	for len(y.block) > 0 && y.block[len(y.block)-1].col > col {
		y.block = y.block[:len(y.block)-1]
	}
	n := len(y.block)
	switch {
	case n == 0 || y.block[n-1].col < col:
		y.block = append(y.block, blockLevel{col, seq})
	case y.block[n-1].seq == seq:
	case seq: // an indentless sequence under a key
		y.block = append(y.block, blockLevel{col, true})
	case n >= 2 && y.block[n-2].col == col: // a key after an indentless sequence
		y.block = y.block[:n-1]
	}
	if err := y.depth(); err != nil {
		y.errLine, y.errCol = line, col
		return err
	}
	return nil
}

func (y *yamlScan) skipLine() {
	for y.i < len(y.data) && y.data[y.i] != '\n' {
		y.next()
	}
}

func (y *yamlScan) run() error {
	lineStart := true
	nodeStart := true // a node may start here (not inside a plain scalar)
	blockScalar := -1 // > -1: skipping a block scalar's lines indented more than this
	for y.i < len(y.data) {
		if lineStart {
			lineStart = false
			y.indent = 0
			for y.peek(y.indent) == ' ' {
				y.indent++
			}
			rest := y.peek(y.indent)
			if blockScalar >= 0 {
				if rest == '\n' || rest == '\r' || rest == 0 || y.indent > blockScalar {
					y.skipLine()
					continue
				}
				blockScalar = -1
			}
			if y.flow == 0 && y.col == 1 && (bytes.HasPrefix(y.data[y.i:], []byte("---")) || bytes.HasPrefix(y.data[y.i:], []byte("..."))) && blank(y.peek(3)) {
				y.block, y.top = y.block[:0], ""
				for k := 0; k < 3; k++ {
					y.next()
				}
				nodeStart = true
				continue
			}
			if y.flow == 0 && y.col == 1 && rest == '%' {
				y.skipLine()
				continue
			}
			if y.flow == 0 {
				nodeStart = true
			}
		}
		c := y.data[y.i]
		switch {
		case c == '\n':
			y.next()
			lineStart = true
			continue
		case c == ' ' || c == '\t' || c == '\r':
			y.next()
			if y.peek(0) == '#' {
				y.skipLine()
			}
			continue
		case c == '#' && (y.col == 1 || nodeStart):
			y.skipLine()
			continue
		}
		if err := y.count(); err != nil {
			return err
		}
		switch {
		case y.flow == 0 && nodeStart && (c == '-' || c == '?') && blank(y.peek(1)):
			if err := y.blockAt(y.line, y.col, c == '-'); err != nil {
				return err
			}
			y.next()
		case nodeStart && (c == '[' || c == '{'):
			y.flow++
			if err := y.depth(); err != nil {
				return err
			}
			y.next()
		case y.flow > 0 && (c == ']' || c == '}'):
			y.flow--
			y.next()
			nodeStart = false
		case y.flow > 0 && c == ',':
			y.next()
			nodeStart = true
		case c == ':' && (blank(y.peek(1)) || (y.flow > 0 && strings.IndexByte(",]}", y.peek(1)) >= 0)):
			y.next()
			nodeStart = true
		case nodeStart && (c == '&' || c == '!' || c == '*'):
			for y.i < len(y.data) && !blank(y.data[y.i]) && (y.flow == 0 || strings.IndexByte(",[]{}", y.data[y.i]) < 0) {
				y.next()
			}
			nodeStart = c != '*'
		case nodeStart && y.flow == 0 && (c == '|' || c == '>'):
			blockScalar = y.indent
			y.skipLine()
		default:
			line, col, start := y.line, y.col, y.i
			if nodeStart && (c == '"' || c == '\'') {
				y.quoted(c)
			} else {
				y.plain()
			}
			key := string(y.data[start:y.i])
			for y.i < len(y.data) && (y.data[y.i] == ' ' || y.data[y.i] == '\t') {
				y.next()
			}
			if y.peek(0) == ':' && (blank(y.peek(1)) || (y.flow > 0 && strings.IndexByte(",]}", y.peek(1)) >= 0)) {
				if y.flow == 0 {
					if err := y.blockAt(line, col, false); err != nil {
						return err
					}
					if len(y.block) == 1 {
						y.top = strings.Trim(key, `"'`)
					}
				}
				continue // the colon is counted next
			}
			nodeStart = false
		}
	}
	return nil
}

// quoted skips a quoted scalar ("…" with backslash escapes, '…' with ” for a quote),
// which may span lines.
func (y *yamlScan) quoted(q byte) {
	y.next()
	for y.i < len(y.data) {
		c := y.data[y.i]
		switch {
		case q == '"' && c == '\\' && y.i+1 < len(y.data):
			y.next()
		case c == q && q == '\'' && y.peek(1) == '\'':
			y.next()
		case c == q:
			y.next()
			return
		}
		y.next()
	}
}

// plain skips a plain scalar to its end on this line: ": ", " #", the end of the line, and
// in a flow collection a comma or a bracket.
func (y *yamlScan) plain() {
	for y.i < len(y.data) {
		c := y.data[y.i]
		switch {
		case c == '\n', c == '\r':
			return
		case c == ':' && (blank(y.peek(1)) || (y.flow > 0 && strings.IndexByte(",]}", y.peek(1)) >= 0)):
			return
		case (c == ' ' || c == '\t') && y.peek(1) == '#':
			return
		case y.flow > 0 && strings.IndexByte(",[]{}", c) >= 0:
			return
		}
		y.next()
	}
}

// aliasBounds refuses a tree whose aliases expand to more than lim.MaxNodes nodes, counting
// each alias as the size of the node its anchor names (anchors in document order, as the
// decoder resolves them), once per use.
func aliasBounds(f *ast.File, name string, lim Limits) error {
	if lim.MaxNodes <= 0 {
		return nil
	}
	anchors := map[string]int{}
	var over ast.Node
	var size func(n ast.Node) int
	size = func(n ast.Node) int {
		if n == nil || over != nil {
			return 0
		}
		total := 1
		add := func(k int) {
			total += k
			if total > lim.MaxNodes && over == nil {
				over = n
			}
		}
		switch n := n.(type) {
		case *ast.DocumentNode:
			add(size(n.Body))
		case *ast.MappingNode:
			for _, v := range n.Values {
				add(size(v))
			}
		case *ast.MappingValueNode:
			add(size(n.Key))
			add(size(n.Value))
		case *ast.MappingKeyNode:
			add(size(n.Value))
		case *ast.SequenceNode:
			for _, v := range n.Values {
				add(size(v))
			}
		case *ast.TagNode:
			add(size(n.Value))
		case *ast.AnchorNode:
			k := size(n.Value)
			add(k)
			if n.Name != nil {
				anchors[n.Name.GetToken().Value] = k
			}
		case *ast.AliasNode:
			if n.Value != nil {
				add(anchors[n.Value.GetToken().Value])
			}
		}
		return total
	}
	total := 0
	for _, d := range f.Docs {
		total += size(d)
		if total > lim.MaxNodes && over == nil {
			over = d
		}
	}
	if over == nil {
		return nil
	}
	e := &RulesError{File: name, Key: keyPath(over.GetPath()), Msg: fmt.Sprintf("its aliases expand to more than %d YAML nodes (%v: --limit yaml-nodes=N raises it)", lim.MaxNodes, errYAMLLimit)}
	if tk := over.GetToken(); tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
	}
	return e
}
