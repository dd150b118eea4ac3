package baseline

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

func TestPolicyYAML(t *testing.T) {
	type rules struct {
		Baseline Policy `yaml:"baseline"`
	}
	decode := func(src string) (Policy, error) {
		var r rules
		err := yaml.UnmarshalWithOptions([]byte(src), &r, yaml.DisallowUnknownField())
		return r.Baseline, err
	}
	for _, tt := range []struct {
		src  string
		want Policy
	}{
		{"baseline: {}\n", Policy{}},
		{"baseline:\n  base_layers: 2\n  allow_base_change: true\n", Policy{BaseLayers: ptr(2), AllowBaseChange: true}},
		{"baseline:\n  max_layer_growth: 25%\n", Policy{MaxLayerGrowth: ptr(Percent(25))}},
		{"baseline:\n  max_layer_growth: 2.5\n", Policy{MaxLayerGrowth: ptr(Percent(2.5))}},
		{"baseline:\n  max_layer_growth: \"7%\"\n", Policy{MaxLayerGrowth: ptr(Percent(7))}},
		{"baseline:\n  max_layer_growth: off\n", Policy{MaxLayerGrowth: ptr(Off)}},
		{"baseline:\n  allow_added_layers: true\n  allow_removed_layers: true\n  allow_new_setuid: true\n  allow_new_sensitive_hidden: true\n  allow_new_ports: true\n  allow_user_change: true\n",
			Policy{AllowAddedLayers: true, AllowRemovedLayers: true, AllowNewSetuid: true, AllowNewSensitiveHidden: true, AllowNewPorts: true, AllowUserChange: true}},
	} {
		got, err := decode(tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.src, diff)
		}
	}
	for _, tt := range []struct{ src, want string }{
		{"baseline:\n  max_layer_growth: lots\n", `[2:21] "lots" is not a percentage (want e.g. 10%, 2.5% or off)`},
		{"baseline:\n  max_layer_growth: -5%\n", `[2:21] "-5%" is not a percentage`},
		{"baseline:\n  max_layer_growth: [1]\n", "[2:21] want a percentage (e.g. 10%, 2.5% or off), got sequence"},
		{"baseline:\n  max_layer_grow: 5%\n", `unknown field "max_layer_grow"`},
		{"baseline:\n  allow_base_change: maybe\n", "cannot unmarshal string into Go struct field"},
	} {
		_, err := decode(tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestPercentText(t *testing.T) {
	for in, want := range map[string]Percent{"10%": 10, "10": 10, " 0.5% ": 0.5, "OFF": Off, "disabled": Off, "0": 0} {
		got, err := ParsePercent(in)
		if err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "%", "ten", "-1", "NaN", "1e12"} {
		if _, err := ParsePercent(in); err == nil {
			t.Errorf("ParsePercent(%q) accepted", in)
		}
	}
	if s := Percent(12.5).String(); s != "12.5%" {
		t.Errorf("String() = %q", s)
	}
}
