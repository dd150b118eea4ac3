package check

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/testgen"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{
		"0": 0, "200MB": 200_000_000, "1.5GiB": 1610612736, "512k": 512_000, "20 mb": 20_000_000,
		"1KiB": 1024, "3b": 3, "2TB": 2_000_000_000_000, "1mi": 1 << 20,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "12 parsecs", "1..2k"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q): no error", in)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		glob, path string
		want       bool
	}{
		{"/root/.ssh/**", "/root/.ssh", true},
		{"/root/.ssh/**", "/root/.ssh/id_rsa", true},
		{"/root/.ssh/*", "/root/.ssh", false},
		{"**/*.pem", "/etc/ssl/private/a.pem", true},
		{"**/*.pem", "/a.pem", true},
		{"/etc/*", "/etc/a/b", false},
		{"/usr/**/bin/su", "/usr/bin/su", true},
		{"/usr/**/bin/su", "/usr/local/sbin/su", false},
		{"**", "/", true},
	} {
		g, err := ParseGlob(c.glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.Match(c.path); got != c.want {
			t.Errorf("%s matches %s = %v, want %v", c.glob, c.path, got, c.want)
		}
	}
	for _, bad := range []string{"etc/*", "/a/[b", ""} {
		if _, err := ParseGlob(bad); err == nil {
			t.Errorf("ParseGlob(%q): no error", bad)
		}
	}
}

func TestPasswdUID(t *testing.T) {
	passwd := "garbage-without-colons\nroot:x:0:0:root:/root:/bin/sh\nbad:x:notanumber:0::\ntoor:x:0:0::/:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\napp:x:2000:2000::/:\n"
	for name, want := range map[string]int{"root": 0, "toor": 0, "app": 1000} {
		if got, ok := passwdUID([]byte(passwd), name); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", name, got, ok, want)
		}
	}
	for _, name := range []string{"bad", "nobody", "garbage-without-colons"} {
		if _, ok := passwdUID([]byte(passwd), name); ok {
			t.Errorf("%s found", name)
		}
	}
}

func TestRulesErrors(t *testing.T) {
	for src, want := range map[string]RulesError{
		"max_size: 1MB\nmax_layerz: 3\n":       {File: "r.yaml", Line: 2, Column: 1, Key: "max_layerz", Msg: `unknown key "max_layerz"`},
		"files:\n  - path: /x\n    uid: abc\n": {File: "r.yaml", Line: 3, Column: 10, Key: "files[0].uid", Msg: `want an integer, got string "abc"`},
		"min_efficiency: 2\n":                  {File: "r.yaml", Line: 1, Column: 17, Key: "min_efficiency", Msg: `"2" is outside 0 to 1 (0% to 100%)`},
		"files:\n  - path: etc/passwd\n":       {File: "r.yaml", Line: 2, Column: 5, Key: "files[0].path", Msg: `path "etc/passwd" must be absolute`},
		"require_non_root_user: yes please\n":  {File: "r.yaml", Line: 1, Column: 24, Key: "require_non_root_user", Msg: `want true or false, got string "yes please"`},
		"- max_size\n":                         {File: "r.yaml", Line: 1, Column: 1, Msg: "want a mapping of rule keys (max_size: 200MB, …), got a list"},
		"allowed_ports: [80/icmp]\n":           {File: "r.yaml", Line: 1, Column: 17, Key: "allowed_ports[0]", Msg: `port "80/icmp": unknown protocol "icmp" (want tcp, udp or sctp)`},
		"\n":                                   {File: "r.yaml", Msg: "empty rules file"},
	} {
		_, err := ParseRules([]byte(src), "r.yaml", DefaultLimits)
		var re *RulesError
		if !errors.As(err, &re) {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if diff := cmp.Diff(want, *re); diff != "" {
			t.Errorf("%q (-want +got):\n%s", src, diff)
		}
	}
}

func TestParseDive(t *testing.T) {
	s, err := ParseDive([]byte("rules:\n  lowestefficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: off\n"), ".dive-ci", DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if *s.Rules.MinEfficiency != 0.95 || *s.Rules.MaxWastedBytes != 20_000_000 || s.Rules.MaxWastedPercent != nil {
		t.Errorf("got %+v", s.Rules)
	}
	if len(s.disabled) != 1 || s.disabled[0].key != "highestUserWastedPercent" {
		t.Errorf("disabled = %+v", s.disabled)
	}
	// Keys left out take dive's defaults: lowestEfficiency 0.9, highestUserWastedPercent 0.1.
	s, err = ParseDive([]byte("rules:\n  highestWastedBytes: 1,000\n"), ".dive-ci", DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if *s.Rules.MinEfficiency != 0.9 || *s.Rules.MaxWastedPercent != 10 || *s.Rules.MaxWastedBytes != 1000 {
		t.Errorf("defaults: %+v", s.Rules)
	}
	for _, bad := range []string{"rules:\n  lowestEfficiency: 1.5\n", "rules:\n  bogus: 1\n", "other: 1\n", "rules:\n  highestWastedBytes: lots\n"} {
		if _, err := ParseDive([]byte(bad), ".dive-ci", DefaultLimits); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParse feeds arbitrary bytes to every rules parser: errors, never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"max_size: 200MB\nforbid_paths: ['/root/**']\n",
		"files:\n  - path: /etc/passwd\n    contains: ['^root:']\n",
		"rules:\n  lowestEfficiency: 0.9\n",
		"schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: a\n    path: /a\n",
		"baseline:\n  max_layer_growth: 10%\n",
		"{", "- [", "a: &x [*x]\n",
	} {
		f.Add([]byte(s))
	}
	// The hostile shapes of issue 18, past the default bounds (refused before parsing).
	f.Add(testgen.DeepFlowYAML("forbid_paths", 200))
	f.Add(testgen.DeepBlockYAML("forbid_paths", 200))
	f.Add(testgen.DeepMapYAML("config", 200))
	f.Add(testgen.AliasBombYAML("forbid_paths", 6, 10))
	f.Add(testgen.DiveCI("NaN"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseRules(data, "f", DefaultLimits)
		ParseDive(data, "f", DefaultLimits)
		ParseCST(data, "f", DefaultLimits)
		isDive(data, DefaultLimits)
	})
}

// TestOverrideEveryKey: --rule KEY=VALUE sets every key a rules file may hold (a rule the
// overlay forgot would be dropped in silence, as forbid_packages once was).
func TestOverrideEveryKey(t *testing.T) {
	keys := Keys()
	for _, want := range []string{"max_size", "forbid_packages", "required_packages", "baseline", "files"} {
		if !slices.Contains(keys, want) {
			t.Errorf("Keys() lacks %s: %v", want, keys)
		}
	}
	rt := reflect.TypeOf(Rules{})
	for _, k := range keys {
		f, ok := yamlField(rt, k)
		if !ok {
			t.Fatalf("%s: no field", k)
		}
		var one, r Rules
		v := reflect.ValueOf(&one).Elem().FieldByIndex(f.Index)
		switch v.Kind() {
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			if e := v.Elem(); e.Kind() == reflect.Map {
				e.Set(reflect.MakeMap(e.Type()))
			}
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		default:
			t.Fatalf("%s: a %s field", k, v.Kind())
		}
		r.overlay(&one, []string{k})
		if reflect.ValueOf(r).FieldByIndex(f.Index).IsZero() {
			t.Errorf("--rule %s=…: the overlay does not set it", k)
		}
		if isZero(r) {
			t.Errorf("rules setting %s count as none", k)
		}
	}
	// And end to end, through the YAML, for the package rules.
	var s Set
	for _, kv := range []string{"forbid_packages=telnetd", `required_packages=[{name: python3, version: ">=3.11"}]`} {
		if err := s.Override(kv, DefaultLimits); err != nil {
			t.Fatalf("--rule %s: %v", kv, err)
		}
	}
	if s.Empty() || !s.NeedsPackages() || len(*s.Rules.ForbidPackages) != 1 || len(*s.Rules.RequiredPackages) != 1 {
		t.Errorf("--rule forbid_packages, required_packages: %+v", s.Rules)
	}
}
