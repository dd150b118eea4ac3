package check

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// dive's CI rules, with the defaults dive applies to a key the file leaves out (its flag
// defaults: lowestEfficiency 0.9, highestWastedBytes disabled, highestUserWastedPercent 0.1).
var diveRules = []struct{ key, def string }{
	{"lowestEfficiency", "0.9"},
	{"highestWastedBytes", "disabled"},
	{"highestUserWastedPercent", "0.1"},
}

// diveDisabled is dive's test for a switched-off rule.
func diveDisabled(v string) bool {
	v = strings.TrimSpace(strings.ToLower(v))
	return v == "" || v == "disabled" || v == "off" || v == "false"
}

// skipped is a rule that is written but switched off.
type skipped struct{ key, name, reason string }

// ParseDive reads a .dive-ci file as dive does: the mapping `rules:` with lowestEfficiency
// (a ratio 0-1: fail when the efficiency is lower), highestWastedBytes (bytes, humanize
// units: fail when more are wasted) and highestUserWastedPercent (a ratio 0-1 of the bytes
// above the base layer: fail when more is wasted); "disabled", "off", "false" or an empty
// value switch a rule off, and a key left out takes dive's default. Keys are matched
// without regard to case, as viper does. Unlike dive, an unknown key is an error.
func ParseDive(data []byte, name string, lim Limits) (*Set, error) {
	s := &Set{Files: []string{name}, where: map[string]Location{}}
	f, err := parseYAML(data, name, lim)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	where := map[string]Location{}
	if len(f.Docs) > 0 && f.Docs[0].Body != nil {
		top, ok := asMapping(f.Docs[0].Body)
		if !ok {
			tk := f.Docs[0].Body.GetToken()
			return nil, &RulesError{File: name, Line: tk.Position.Line, Column: tk.Position.Column, Msg: "want a mapping with rules:, got " + kind(f.Docs[0].Body)}
		}
		for _, mv := range top.Values {
			k := mv.Key.GetToken()
			if !strings.EqualFold(k.Value, "rules") {
				return nil, &RulesError{File: name, Line: k.Position.Line, Column: k.Position.Column, Key: k.Value, Msg: fmt.Sprintf("unknown key %q (a .dive-ci holds rules:)", k.Value)}
			}
			rules, ok := asMapping(mv.Value)
			if !ok {
				if mv.Value.Type() == ast.NullType {
					continue
				}
				tk := mv.Value.GetToken()
				return nil, &RulesError{File: name, Line: tk.Position.Line, Column: tk.Position.Column, Key: "rules", Msg: "want a mapping, got " + kind(mv.Value)}
			}
			for _, r := range rules.Values {
				rk := r.Key.GetToken()
				canon := ""
				for _, d := range diveRules {
					if strings.EqualFold(d.key, rk.Value) {
						canon = d.key
					}
				}
				if canon == "" {
					return nil, &RulesError{File: name, Line: rk.Position.Line, Column: rk.Position.Column, Key: "rules." + rk.Value, Msg: "unknown key (dive's rules are lowestEfficiency, highestWastedBytes, highestUserWastedPercent)"}
				}
				var v string
				switch n := r.Value.(type) {
				case *ast.NullNode:
				case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
					v = n.GetToken().Value
				default:
					tk := r.Value.GetToken()
					return nil, &RulesError{File: name, Line: tk.Position.Line, Column: tk.Position.Column, Key: "rules." + canon, Msg: "want a value, got " + kind(r.Value)}
				}
				values[canon] = v
				where[canon] = Location{File: name, Line: rk.Position.Line, Column: rk.Position.Column}
			}
		}
	}
	bad := func(key, format string, args ...any) error {
		l := where[key]
		return &RulesError{File: name, Line: l.Line, Column: l.Column, Key: "rules." + key, Msg: fmt.Sprintf(format, args...)}
	}
	for _, d := range diveRules {
		v, set := values[d.key]
		if !set {
			v = d.def
			where[d.key] = Location{File: name}
		}
		s.where[d.key] = where[d.key]
		if diveDisabled(v) {
			reason := "disabled in " + name
			if !set {
				reason = "disabled (dive's default)"
			}
			s.disabled = append(s.disabled, skipped{key: d.key, name: diveName(d.key), reason: reason})
			continue
		}
		switch d.key {
		case "lowestEfficiency":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f >= 0 && f <= 1) { // NaN compares false: it is refused too
				return nil, bad(d.key, "%q: want a ratio from 0 to 1", v)
			}
			fr := Fraction(f)
			s.Rules.MinEfficiency = &fr
		case "highestWastedBytes":
			b, err := ParseSize(strings.ReplaceAll(v, ",", ""))
			if err != nil {
				return nil, bad(d.key, "%v", err)
			}
			s.Rules.MaxWastedBytes = &b
		case "highestUserWastedPercent":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f >= 0 && f <= 1) { // NaN compares false: it is refused too
				return nil, bad(d.key, "%q: want a ratio from 0 to 1", v)
			}
			p := Percent(100 * f)
			s.Rules.MaxWastedPercent = &p
		}
	}
	s.diveKeys = true
	return s, nil
}

func diveName(k string) string {
	switch k {
	case "lowestEfficiency":
		return "efficiency"
	case "highestWastedBytes":
		return "wasted bytes"
	}
	return "wasted share of the bytes above the base layer"
}
