// Package check evaluates CI rules — size and bloat limits, forbidden content, config
// requirements, file and metadata assertions, dive and container-structure-test files, and a
// baseline lock — against an image, and reports one result per rule.
package check

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Rules is a strata rules file (.strata.yaml). Every key is optional; a nil field is a rule
// not asked for. A false boolean rule is reported as skipped.
type Rules struct {
	// Size and bloat.
	MaxSize          *Size     `yaml:"max_size" json:"max_size,omitempty"`
	MaxLayers        *int      `yaml:"max_layers" json:"max_layers,omitempty"`
	MaxLayerSize     *Size     `yaml:"max_layer_size" json:"max_layer_size,omitempty"`
	MinEfficiency    *Fraction `yaml:"min_efficiency" json:"min_efficiency,omitempty"`
	MaxWastedBytes   *Size     `yaml:"max_wasted_bytes" json:"max_wasted_bytes,omitempty"`
	MaxWastedPercent *Percent  `yaml:"max_wasted_percent" json:"max_wasted_percent,omitempty"`

	// Content.
	ForbidPaths           *[]Glob `yaml:"forbid_paths" json:"forbid_paths,omitempty"`
	ForbidSensitiveHidden *bool   `yaml:"forbid_sensitive_hidden" json:"forbid_sensitive_hidden,omitempty"`
	SetuidAllow           *[]Glob `yaml:"setuid_allow" json:"setuid_allow,omitempty"`
	ForbidWorldWritable   *bool   `yaml:"forbid_world_writable" json:"forbid_world_writable,omitempty"`

	// Packages.
	ForbidPackages   *[]PackageRule `yaml:"forbid_packages" json:"forbid_packages,omitempty"`
	RequiredPackages *[]PackageRule `yaml:"required_packages" json:"required_packages,omitempty"`

	// Config.
	RequireNonRootUser *bool              `yaml:"require_non_root_user" json:"require_non_root_user,omitempty"`
	RequiredLabels     *map[string]Regexp `yaml:"required_labels" json:"required_labels,omitempty"`
	ForbidEnv          *[]Regexp          `yaml:"forbid_env" json:"forbid_env,omitempty"`
	AllowedPorts       *[]Port            `yaml:"allowed_ports" json:"allowed_ports,omitempty"`

	// Structure assertions.
	Files  []FileAssertion  `yaml:"files" json:"files,omitempty"`
	Config *ConfigAssertion `yaml:"config" json:"config,omitempty"`

	// Baseline is the policy `--baseline LOCK` holds the image to.
	Baseline *RawNode `yaml:"baseline" json:"-"`
}

// FileAssertion checks one path: that it exists (or not), in the final filesystem or in
// any layer, and its permissions, owner and content.
type FileAssertion struct {
	Name         string   `yaml:"name" json:"name,omitempty"`
	Path         string   `yaml:"path" json:"path"`
	Exists       *bool    `yaml:"exists" json:"exists,omitempty"` // default true
	In           string   `yaml:"in" json:"in,omitempty"`         // "final" (default) or "any_layer"
	Permissions  string   `yaml:"permissions" json:"permissions,omitempty"`
	UID          *int     `yaml:"uid" json:"uid,omitempty"`
	GID          *int     `yaml:"gid" json:"gid,omitempty"`
	ExecutableBy string   `yaml:"executable_by" json:"executable_by,omitempty"` // owner, group, other, any
	Contains     []Regexp `yaml:"contains" json:"contains,omitempty"`
	Excludes     []Regexp `yaml:"excludes" json:"excludes,omitempty"`
}

// ConfigAssertion checks the image config's runtime fields. Lists given are compared whole
// (entrypoint, cmd) or must be included (volumes, exposed_ports).
type ConfigAssertion struct {
	Env              []KeyValue `yaml:"env" json:"env,omitempty"`
	AbsentEnv        []string   `yaml:"absent_env" json:"absent_env,omitempty"`
	Labels           []KeyValue `yaml:"labels" json:"labels,omitempty"`
	Entrypoint       *[]string  `yaml:"entrypoint" json:"entrypoint,omitempty"`
	Cmd              *[]string  `yaml:"cmd" json:"cmd,omitempty"`
	Workdir          *string    `yaml:"workdir" json:"workdir,omitempty"`
	User             *string    `yaml:"user" json:"user,omitempty"`
	Volumes          []string   `yaml:"volumes" json:"volumes,omitempty"`
	UnmountedVolumes []string   `yaml:"unmounted_volumes" json:"unmounted_volumes,omitempty"`
	ExposedPorts     []Port     `yaml:"exposed_ports" json:"exposed_ports,omitempty"`
	UnexposedPorts   []Port     `yaml:"unexposed_ports" json:"unexposed_ports,omitempty"`
}

// KeyValue is an expected environment variable or label: the value exactly, or a regular
// expression when Regex is set.
type KeyValue struct {
	Key   string `yaml:"key" json:"key"`
	Value string `yaml:"value" json:"value"`
	Regex bool   `yaml:"regex" json:"regex,omitempty"`
}

// RawNode keeps a YAML value undecoded, for a section another package decodes.
type RawNode struct{ Node ast.Node }

// UnmarshalYAML keeps the node.
func (r *RawNode) UnmarshalYAML(n ast.Node) error {
	r.Node = n
	return nil
}

// Decode decodes the node strictly into v; errors name the file, position and key.
func (r *RawNode) Decode(file string, v any) error {
	if err := yaml.NodeToValue(r.Node, v, yaml.DisallowUnknownField()); err != nil {
		e := rulesError(file, nil, err)
		if re, ok := e.(*RulesError); ok && re.Key == "" {
			re.Key = "baseline"
			var uf *yaml.UnknownFieldError
			if errors.As(err, &uf) && uf.GetToken() != nil {
				re.Key = "baseline." + uf.GetToken().Value
			}
		}
		return e
	}
	return nil
}

// Location is where a rule is written.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// Set is everything a check evaluates: the rules, container-structure-test tests, and where
// each rule was written.
type Set struct {
	Rules Rules
	CST   *CST
	// Files are the rule files read, in order.
	Files []string
	// where maps a rule key ("max_size", "files[2]") to its location.
	where map[string]Location
	// disabled are rules written but switched off, reported as skipped.
	disabled []skipped
	// diveKeys: the rules came from a .dive-ci; results carry dive's key names.
	diveKeys bool
}

// Where returns the location of a rule key, or of the nearest enclosing key recorded.
func (s *Set) Where(key string) Location { return lookupWhere(s.where, key) }

func lookupWhere(where map[string]Location, key string) Location {
	for key != "" {
		if l, ok := where[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i <= 0 {
			break
		}
		key = key[:i]
	}
	return Location{}
}

// Empty reports whether the set asks for nothing.
func (s *Set) Empty() bool {
	return s.CST == nil && isZero(s.Rules) && len(s.disabled) == 0 // a rule written but switched off is reported (SKIP)
}

// isZero reports a Rules that sets no rule: every field unset (by the struct, so a key added
// to Rules counts without a list to update), an empty files list counting as none.
func isZero(r Rules) bool {
	if len(r.Files) > 0 {
		return false
	}
	r.Files = nil
	return reflect.ValueOf(r).IsZero()
}

// maxRulesFile bounds a rules file.
const maxRulesFile = 4 << 20

// ParseRules reads a strata rules file, its YAML bounded by lim. name is used in errors.
func ParseRules(data []byte, name string, lim Limits) (*Set, error) {
	s := &Set{Files: []string{name}, where: map[string]Location{}}
	if err := decodeStrict(data, name, &s.Rules, s.where, lim); err != nil {
		return nil, err
	}
	if err := s.Rules.validate(name, s.where); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeStrict decodes YAML into v, refusing unknown keys and wrong types, and records the
// location of every top-level key and list item in where; lim bounds the YAML.
func decodeStrict(data []byte, name string, v any, where map[string]Location, lim Limits) error {
	if len(data) > maxRulesFile {
		return &RulesError{File: name, Msg: fmt.Sprintf("%d bytes: more than %d allowed for a rules file", len(data), maxRulesFile)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &RulesError{File: name, Msg: "empty rules file"}
	}
	f, err := parseYAML(data, name, lim)
	if err != nil {
		return err
	}
	if len(f.Docs) != 1 {
		return &RulesError{File: name, Msg: fmt.Sprintf("%d YAML documents: want one", len(f.Docs))}
	}
	body := f.Docs[0].Body
	if body == nil {
		return &RulesError{File: name, Msg: "empty rules file"}
	}
	if _, ok := body.(*ast.MappingNode); !ok {
		if _, ok := body.(*ast.MappingValueNode); !ok {
			tk := body.GetToken()
			return &RulesError{File: name, Line: tk.Position.Line, Column: tk.Position.Column, Msg: "want a mapping of rule keys (max_size: 200MB, …), got " + kind(body)}
		}
	}
	if err := yaml.NodeToValue(body, v, yaml.DisallowUnknownField()); err != nil {
		return rulesError(name, f, err)
	}
	record(name, body, where)
	return nil
}

// record notes where each top-level key and each item of a top-level list is written.
func record(name string, body ast.Node, where map[string]Location) {
	var values []*ast.MappingValueNode
	switch b := body.(type) {
	case *ast.MappingNode:
		values = b.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{b}
	}
	for _, mv := range values {
		key := mv.Key.GetToken().Value
		tk := mv.Key.GetToken()
		where[key] = Location{File: name, Line: tk.Position.Line, Column: tk.Position.Column}
		if seq, ok := mv.Value.(*ast.SequenceNode); ok {
			for i, item := range seq.Values {
				t := item.GetToken()
				if m, ok := asMapping(item); ok && len(m.Values) > 0 {
					t = m.Values[0].Key.GetToken()
				}
				where[fmt.Sprintf("%s[%d]", key, i)] = Location{File: name, Line: t.Position.Line, Column: t.Position.Column}
			}
		}
	}
}

// validate checks what the types alone do not.
func (r *Rules) validate(name string, where map[string]Location) error {
	bad := func(key, format string, args ...any) error {
		l := lookupWhere(where, key)
		return &RulesError{File: name, Line: l.Line, Column: l.Column, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if r.MaxLayers != nil && *r.MaxLayers < 0 {
		return bad("max_layers", "want a count of 0 or more, got %d", *r.MaxLayers)
	}
	for i := range r.Files {
		f := &r.Files[i]
		key := fmt.Sprintf("files[%d]", i)
		if f.Path == "" {
			return bad(key, "path is missing")
		}
		if !strings.HasPrefix(f.Path, "/") {
			return bad(key+".path", "path %q must be absolute", f.Path)
		}
		switch f.In {
		case "", "final", "any_layer":
		default:
			return bad(key+".in", "want final or any_layer, got %q", f.In)
		}
		switch f.ExecutableBy {
		case "", "owner", "group", "other", "any":
		default:
			return bad(key+".executable_by", "want owner, group, other or any, got %q", f.ExecutableBy)
		}
		if f.Permissions != "" && !validPermissions(f.Permissions) {
			return bad(key+".permissions", "%q is not a permission string as ls -l writes it (-rwxr-xr-x)", f.Permissions)
		}
		absent := f.Exists != nil && !*f.Exists
		if absent && (f.Permissions != "" || f.UID != nil || f.GID != nil || f.ExecutableBy != "" || len(f.Contains) > 0 || len(f.Excludes) > 0) {
			return bad(key, "a path that must not exist has no permissions, owner or content to check")
		}
		if f.In == "any_layer" && (f.Permissions != "" || f.UID != nil || f.GID != nil || f.ExecutableBy != "" || len(f.Contains) > 0 || len(f.Excludes) > 0) {
			return bad(key, "in: any_layer checks existence only; check attributes in the final filesystem")
		}
	}
	return nil
}

// validPermissions accepts `ls -l` strings (-rwsr-xr-x, drwxrwxrwt) and Go's os.FileMode
// strings as container-structure-test writes them (urwxr-xr-x, dtrwxrwxrwx).
func validPermissions(s string) bool {
	if len(s) < 10 {
		return false
	}
	perm := s[len(s)-9:]
	for i, c := range perm {
		want := "rwx"[i%3]
		if c != '-' && c != rune(want) && !(i%3 == 2 && strings.ContainsRune("sStT", c)) {
			return false
		}
	}
	return true
}

// Override applies one --rule KEY=VALUE: VALUE is YAML (a scalar, [a, b] or {k: v}). KEY may
// name one key of a mapping rule after a dot (baseline.max_layer_growth,
// required_labels.org.opencontainers.image.source: everything after the first dot). lim
// bounds VALUE's YAML.
func (s *Set) Override(kv string, lim Limits) error {
	key, value, ok := strings.Cut(kv, "=")
	name := "--rule " + clipRule(kv)
	if !ok || key == "" {
		return &RulesError{File: "--rule", Msg: fmt.Sprintf("%q: want KEY=VALUE", kv)}
	}
	parts := strings.SplitN(key, ".", 2)
	var doc strings.Builder
	for i, p := range parts {
		if i > 0 {
			p = strconv.Quote(p)
		}
		fmt.Fprintf(&doc, "%s%s:", strings.Repeat("  ", i), p)
		if i < len(parts)-1 {
			doc.WriteString("\n")
		}
	}
	if strings.TrimSpace(value) == "" {
		value = `""`
	}
	if listKey(parts) && scalarYAML(value, lim) {
		// A list key given one plain value (--rule forbid_paths=/root/.token): a list of it.
		fmt.Fprintf(&doc, "\n%s- %s\n", strings.Repeat("  ", len(parts)), value)
	} else {
		fmt.Fprintf(&doc, " %s\n", value)
	}
	var one Rules
	where := map[string]Location{}
	if err := oneValue([]byte(doc.String()), name, len(parts), lim); err != nil {
		return err
	}
	if err := decodeStrict([]byte(doc.String()), name, &one, where, lim); err != nil {
		if re, ok := err.(*RulesError); ok {
			re.Line, re.Column = 0, 0
		}
		return err
	}
	if err := one.validate(name, where); err != nil {
		return err
	}
	s.Rules.overlay(&one, parts)
	if s.where == nil {
		s.where = map[string]Location{}
	}
	for k := range where {
		s.where[k] = Location{File: name}
	}
	return nil
}

// listKey reports whether a rule key (split at its first dot) names a list: a field of
// Rules, or of its config mapping, whose YAML value is a sequence.
func listKey(key []string) bool {
	t := reflect.TypeOf(Rules{})
	for i, name := range key {
		f, ok := yamlField(t, name)
		if !ok {
			return false
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if i == len(key)-1 {
			return ft.Kind() == reflect.Slice
		}
		if ft.Kind() != reflect.Struct {
			return false
		}
		t = ft // config.cmd: a field of the config mapping
	}
	return false
}

// yamlField finds the struct field whose yaml tag is name.
func yamlField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// scalarYAML reports whether a YAML value is one scalar (not a sequence or a mapping).
func scalarYAML(v string, lim Limits) bool {
	f, err := parseYAML([]byte(v), "", lim)
	if err != nil || len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return false
	}
	switch f.Docs[0].Body.Type() {
	case ast.SequenceType, ast.MappingType, ast.NullType:
		return false
	}
	return true
}

// clipRule shortens a --rule argument to name it in a message: a value may be anything.
func clipRule(kv string) string {
	if r := []rune(kv); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return kv
}

// oneValue refuses a --rule document that sets more than the one key it names (levels deep:
// 2 for baseline.max_layer_growth): a value that goes on to a second line holding another
// key ("100\nmax_size: 1B") would otherwise set, or drop, a rule the user never named.
func oneValue(doc []byte, name string, levels int, lim Limits) error {
	f, err := parseYAML(doc, name, lim)
	if err != nil {
		if re, ok := err.(*RulesError); ok {
			re.Line, re.Column = 0, 0
		}
		return err
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return &RulesError{File: name, Msg: "want one YAML value for one key"}
	}
	n := f.Docs[0].Body
	for level := 0; level < levels; level++ {
		m, ok := asMapping(n)
		if !ok || len(m.Values) != 1 {
			k := 0
			if ok {
				k = len(m.Values)
			}
			return &RulesError{File: name, Msg: fmt.Sprintf("the value sets %d keys: a --rule value is one YAML value for the one key named (a second line is not another rule: give each its own --rule)", k)}
		}
		n = m.Values[0].Value
	}
	return nil
}

// overlay sets the fields one defines.
func (r *Rules) overlay(one *Rules, key []string) {
	switch key[0] {
	case "required_labels":
		if r.RequiredLabels == nil || len(key) == 1 {
			r.RequiredLabels = one.RequiredLabels
		} else {
			for k, v := range *one.RequiredLabels {
				(*r.RequiredLabels)[k] = v
			}
		}
	case "baseline":
		r.Baseline = mergeNodes(r.Baseline, one.Baseline)
	default: // every other key replaces the rule whole, whichever field its yaml tag names
		f, ok := yamlField(reflect.TypeOf(*r), key[0])
		if !ok {
			return // Override decoded one strictly: a key Rules lacks was refused there
		}
		reflect.ValueOf(r).Elem().FieldByIndex(f.Index).Set(reflect.ValueOf(one).Elem().FieldByIndex(f.Index))
	}
}

// mergeNodes overlays the keys of mapping b on mapping a (both may be nil).
func mergeNodes(a, b *RawNode) *RawNode {
	if a == nil || b == nil {
		if b != nil {
			return b
		}
		return a
	}
	am, ok1 := a.Node.(*ast.MappingNode)
	bm, ok2 := asMapping(b.Node)
	if !ok1 || !ok2 {
		return b
	}
	out := &ast.MappingNode{BaseNode: am.BaseNode, Start: am.Start, End: am.End}
	seen := map[string]bool{}
	for _, v := range bm.Values {
		seen[v.Key.GetToken().Value] = true
	}
	for _, v := range am.Values {
		if !seen[v.Key.GetToken().Value] {
			out.Values = append(out.Values, v)
		}
	}
	out.Values = append(out.Values, bm.Values...)
	return &RawNode{Node: out}
}

func asMapping(n ast.Node) (*ast.MappingNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m, true
	case *ast.MappingValueNode:
		return &ast.MappingNode{BaseNode: m.BaseNode, Start: m.Start, Values: []*ast.MappingValueNode{m}}, true
	}
	return nil, false
}

// Keys lists the rule keys a rules file (and --rule) may hold, sorted: the yaml tags of Rules.
func Keys() []string {
	t := reflect.TypeOf(Rules{})
	k := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			k = append(k, tag)
		}
	}
	sort.Strings(k)
	return k
}
