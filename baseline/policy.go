package baseline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// DefaultMaxLayerGrowth is the growth, in percent of its locked size, a layer may have
// when the policy does not say.
const DefaultMaxLayerGrowth = 10

// Policy is what a later build may change with respect to its lock: the `baseline:` key
// of a rules file. The zero Policy is the strict default: the base layers unchanged, no
// layer added or removed, none grown more than 10%, no new setuid file, no new hidden
// secret-looking file, no new exposed port, the same user. Rebuilds that changed only
// timestamps always pass.
type Policy struct {
	// BaseLayers is how many bottom layers are the base image's; nil takes the lock's
	// (strata baseline --base-layers, or the org.opencontainers.image.base.* LABEL row).
	BaseLayers         *int `yaml:"base_layers" json:"base_layers"`
	AllowBaseChange    bool `yaml:"allow_base_change" json:"allow_base_change"`
	AllowAddedLayers   bool `yaml:"allow_added_layers" json:"allow_added_layers"`
	AllowRemovedLayers bool `yaml:"allow_removed_layers" json:"allow_removed_layers"`
	// MaxLayerGrowth is how much a layer may grow, in percent of its locked size; nil is
	// DefaultMaxLayerGrowth, "off" no limit.
	MaxLayerGrowth *Percent `yaml:"max_layer_growth" json:"max_layer_growth"`
	// The new-finding rules, each on unless allowed.
	AllowNewSetuid          bool `yaml:"allow_new_setuid" json:"allow_new_setuid"`
	AllowNewSensitiveHidden bool `yaml:"allow_new_sensitive_hidden" json:"allow_new_sensitive_hidden"`
	AllowNewPorts           bool `yaml:"allow_new_ports" json:"allow_new_ports"`
	AllowUserChange         bool `yaml:"allow_user_change" json:"allow_user_change"`
	// The package rules (when the lock records packages): the base layers' packages as
	// locked, no package the lock does not have.
	AllowBasePackageChange bool `yaml:"allow_base_package_change" json:"allow_base_package_change"`
	AllowNewPackages       bool `yaml:"allow_new_packages" json:"allow_new_packages"`
}

// Percent is a percentage: written `10%`, `10` or `2.5%`; `off` (or `disabled`, `none`)
// is no limit, held as a negative value.
type Percent float64

// Off is the Percent of no limit.
const Off Percent = -1

// ParsePercent reads a Percent as written in a rules file.
func ParsePercent(s string) (Percent, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 2 && (t[0] == '"' && t[len(t)-1] == '"' || t[0] == '\'' && t[len(t)-1] == '\'') {
		t = strings.TrimSpace(t[1 : len(t)-1])
	}
	switch strings.ToLower(t) {
	case "off", "disabled", "none":
		return Off, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || f < 0 || f != f || f > 1e9 {
		return 0, fmt.Errorf("%q is not a percentage (want e.g. 10%%, 2.5%% or off)", s)
	}
	return Percent(f), nil
}

// UnmarshalText reads a Percent from text (command-line values, JSON strings).
func (p *Percent) UnmarshalText(b []byte) error {
	v, err := ParsePercent(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// UnmarshalYAML reads a Percent from a YAML scalar (goccy/go-yaml's NodeUnmarshaler); a
// bad value is an error at the value's token, so that the rules file's line is named.
func (p *Percent) UnmarshalYAML(n ast.Node) error {
	tk := n.GetToken()
	s := ""
	switch n.Type() {
	case ast.StringType, ast.IntegerType, ast.FloatType, ast.LiteralType:
		s = tk.Value
	default:
		return &valueError{tk: tk, msg: "want a percentage (e.g. 10%, 2.5% or off), got " + strings.ToLower(n.Type().String())}
	}
	v, err := ParsePercent(s)
	if err != nil {
		return &valueError{tk: tk, msg: err.Error()}
	}
	*p = v
	return nil
}

// valueError is a bad YAML value at its token (it satisfies goccy/go-yaml's Error).
type valueError struct {
	tk  *token.Token
	msg string
}

func (e *valueError) Error() string {
	if e.tk == nil {
		return e.msg
	}
	return fmt.Sprintf("[%d:%d] %s", e.tk.Position.Line, e.tk.Position.Column, e.msg)
}
func (e *valueError) GetToken() *token.Token        { return e.tk }
func (e *valueError) GetMessage() string            { return e.msg }
func (e *valueError) FormatError(bool, bool) string { return e.Error() }

// UnmarshalJSON reads a Percent from a JSON number or string.
func (p *Percent) UnmarshalJSON(b []byte) error { return p.UnmarshalText(b) }

// MarshalText writes a Percent as it is read: "10%" or "off".
func (p Percent) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p Percent) String() string {
	if p < 0 {
		return "off"
	}
	return strconv.FormatFloat(float64(p), 'f', -1, 64) + "%"
}

// growthLimit is the policy's growth limit in percent; negative for none.
func (p Policy) growthLimit() Percent {
	if p.MaxLayerGrowth == nil {
		return DefaultMaxLayerGrowth
	}
	return *p.MaxLayerGrowth
}
