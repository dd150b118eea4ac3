package check

import (
	"fmt"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/strata-dev/strata/internal/units"
)

// scalar returns a scalar node's text, or an error naming what was wanted.
func scalar(n ast.Node, want string) (string, error) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, nil
	case *ast.IntegerNode, *ast.FloatNode:
		return v.GetToken().Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	}
	return "", errAt(n, "want %s, got %s", want, kind(n))
}

func kind(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.BoolType:
		return "a boolean"
	case ast.NullType:
		return "nothing (null)"
	}
	return fmt.Sprintf("%q", n.GetToken().Value)
}

// Size is a byte count, written as an integer or with a unit: 200MB, 1.5GiB, 512k. Decimal
// units (kB, MB, GB, TB, PB, EB; K, M, G… alike) are powers of 1000, binary ones (KiB, MiB…)
// powers of 1024, as dive (go-humanize) reads them; case does not matter.
type Size int64

// ParseSize reads a human size.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	f, err := strconv.ParseFloat(num, 64)
	if num == "" || err != nil {
		return 0, fmt.Errorf("%q is not a size (want bytes, or a number with a unit: 200MB, 1.5GiB)", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q (want B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)", s, strings.TrimSpace(t[i:]))
	}
	v := f * mult
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return Size(math.Round(v)), nil
}

var sizeUnits = func() map[string]float64 {
	m := map[string]float64{"": 1, "b": 1, "byte": 1, "bytes": 1}
	for i, p := range []string{"k", "m", "g", "t", "p", "e"} {
		dec, bin := math.Pow(1000, float64(i+1)), math.Pow(1024, float64(i+1))
		m[p], m[p+"b"] = dec, dec
		m[p+"i"], m[p+"ib"] = bin, bin
	}
	return m
}()

// UnmarshalYAML reads an integer or a human size.
func (s *Size) UnmarshalYAML(n ast.Node) error {
	t, err := scalar(n, "a size (200MB, 1.5GiB or bytes)")
	if err != nil {
		return err
	}
	v, err := ParseSize(t)
	if err != nil {
		return errAt(n, "%v", err)
	}
	*s = v
	return nil
}

func (s Size) String() string { return humanBytes(int64(s)) }

// Fraction is a share from 0 to 1, written as 0.9 or "90%".
type Fraction float64

// ParseFraction reads 0.9 or 90%.
func ParseFraction(s string) (Fraction, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "%") {
		t, div = strings.TrimSpace(strings.TrimSuffix(t, "%")), 100
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a fraction (want 0 to 1, or a percentage: 0.9, 90%%)", s)
	}
	f /= div
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("%q is outside 0 to 1 (0%% to 100%%)", s)
	}
	return Fraction(f), nil
}

// UnmarshalYAML reads 0.9 or "90%".
func (f *Fraction) UnmarshalYAML(n ast.Node) error {
	t, err := scalar(n, "a fraction (0.9 or 90%)")
	if err != nil {
		return err
	}
	v, err := ParseFraction(t)
	if err != nil {
		return errAt(n, "%v", err)
	}
	*f = v
	return nil
}

// Percent is a percentage, written as 5 or "5%" (both mean 5 %); it may exceed 100.
type Percent float64

// UnmarshalYAML reads 5 or "5%".
func (p *Percent) UnmarshalYAML(n ast.Node) error {
	t, err := scalar(n, "a percentage (5 or 5%)")
	if err != nil {
		return err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t), "%")), 64)
	if err != nil || f < 0 || math.IsNaN(f) {
		return errAt(n, "%q is not a percentage (want 5 or 5%%)", t)
	}
	*p = Percent(f)
	return nil
}

// Glob matches absolute paths: `*`, `?` and `[…]` within one component (path.Match), `**`
// any number of components. A glob is absolute ("/root/.ssh/**") or starts with "**/"
// ("**/*.pem": at any depth).
type Glob struct {
	Pattern string
	parts   []string
}

// ParseGlob checks a glob.
func ParseGlob(s string) (Glob, error) {
	if !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "**/") && s != "**" {
		return Glob{}, fmt.Errorf("glob %q must be absolute (/etc/*) or start with **/ (**/*.pem)", s)
	}
	g := Glob{Pattern: s}
	for _, p := range strings.Split(strings.TrimPrefix(s, "/"), "/") {
		if p == "" {
			continue
		}
		if p != "**" {
			if _, err := path.Match(p, ""); err != nil {
				return Glob{}, fmt.Errorf("bad glob %q: %v", s, err)
			}
		}
		g.parts = append(g.parts, p)
	}
	return g, nil
}

// UnmarshalYAML reads and checks a glob.
func (g *Glob) UnmarshalYAML(n ast.Node) error {
	t, err := scalar(n, "a glob")
	if err != nil {
		return err
	}
	v, err := ParseGlob(t)
	if err != nil {
		return errAt(n, "%v", err)
	}
	*g = v
	return nil
}

// MarshalText writes the pattern.
func (g Glob) MarshalText() ([]byte, error) { return []byte(g.Pattern), nil }

// Match reports whether the absolute cleaned path p matches.
func (g Glob) Match(p string) bool {
	var comps []string
	if p != "/" {
		comps = strings.Split(p[1:], "/")
	}
	return matchParts(g.parts, comps)
}

func matchParts(pat, comps []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(comps); i++ {
				if matchParts(pat[1:], comps[i:]) {
					return true
				}
			}
			return false
		}
		if len(comps) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], comps[0]); !ok {
			return false
		}
		pat, comps = pat[1:], comps[1:]
	}
	return len(comps) == 0
}

// Regexp is a Go regular expression (RE2 syntax).
type Regexp struct {
	*regexp.Regexp
}

// UnmarshalYAML compiles the expression.
func (r *Regexp) UnmarshalYAML(n ast.Node) error {
	t, err := scalar(n, "a regular expression")
	if err != nil {
		if n.Type() == ast.NullType {
			t, err = "", nil
		} else {
			return err
		}
	}
	re, err := regexp.Compile(t)
	if err != nil {
		return errAt(n, "bad regular expression %q: %v", t, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	r.Regexp = re
	return nil
}

// MarshalText writes the expression.
func (r Regexp) MarshalText() ([]byte, error) {
	if r.Regexp == nil {
		return nil, nil
	}
	return []byte(r.String()), nil
}

// Port is an exposed port with its protocol: "8080/tcp", "53/udp"; "8080" means tcp. A
// range ("8000-8099/tcp") is allowed where ports are allowed.
type Port struct {
	Lo, Hi int
	Proto  string
}

// ParsePort reads "8080", "8080/tcp" or "8000-8099/udp".
func ParsePort(s string) (Port, error) {
	num, proto, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		proto = "tcp"
	}
	proto = strings.ToLower(proto)
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return Port{}, fmt.Errorf("port %q: unknown protocol %q (want tcp, udp or sctp)", s, proto)
	}
	lo, hi, isRange := strings.Cut(num, "-")
	p := Port{Proto: proto}
	var err1, err2 error
	p.Lo, err1 = strconv.Atoi(lo)
	p.Hi = p.Lo
	if isRange {
		p.Hi, err2 = strconv.Atoi(hi)
	}
	if err1 != nil || err2 != nil || p.Lo < 0 || p.Hi > 65535 || p.Lo > p.Hi {
		return Port{}, fmt.Errorf("port %q is not a port number or range (0-65535)", s)
	}
	return p, nil
}

// UnmarshalYAML reads a port.
func (p *Port) UnmarshalYAML(n ast.Node) error {
	t, err := scalar(n, "a port (8080/tcp)")
	if err != nil {
		return err
	}
	v, err := ParsePort(t)
	if err != nil {
		return errAt(n, "%v", err)
	}
	*p = v
	return nil
}

func (p Port) String() string {
	if p.Proto == "" {
		return strconv.Itoa(p.Lo)
	}
	if p.Lo == p.Hi {
		return fmt.Sprintf("%d/%s", p.Lo, p.Proto)
	}
	return fmt.Sprintf("%d-%d/%s", p.Lo, p.Hi, p.Proto)
}

// MarshalText writes the port as "8080/tcp".
func (p Port) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Contains reports whether the port q (a single port) is in p.
// An empty Proto (container-structure-test's "8080") matches every protocol.
func (p Port) Contains(q Port) bool {
	return (p.Proto == "" || p.Proto == q.Proto) && q.Lo >= p.Lo && q.Lo <= p.Hi
}

// humanBytes formats bytes as every strata output does.
func humanBytes(n int64) string { return units.Size(n) }

func compileRegex(s string) (*regexp.Regexp, error) { return regexp.Compile(s) }
