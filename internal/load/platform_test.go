package load

import (
	"runtime"
	"testing"
)

// TestParsePlatform: --platform is parsed once, lower-cased as Docker and containerd take it,
// two or three non-empty parts; anything else is refused before a byte is read.
func TestParsePlatform(t *testing.T) {
	for in, want := range map[string]string{
		"linux/amd64": "linux/amd64", "Linux/AMD64": "linux/amd64", "linux/arm64/v8": "linux/arm64/v8",
		"windows/amd64": "windows/amd64", "linux/ppc64le": "linux/ppc64le", "linux/arm/v7": "linux/arm/v7",
	} {
		p, err := ParsePlatform(in)
		if err != nil || p.String() != want || p.IsZero() {
			t.Errorf("ParsePlatform(%q) = %q, %v; want %q", in, p, err, want)
		}
	}
	for _, in := range []string{"linux", "linux/", "/amd64", "linux//v8", "linux/amd64/v8/x", "linux/amd 64", "linux/amd64\n", ""} {
		if p, err := ParsePlatform(in); err == nil {
			t.Errorf("ParsePlatform(%q) = %q, want an error", in, p)
		}
	}
	if (Platform{}).String() != "" || !(Platform{}).IsZero() {
		t.Error("the zero Platform selects something")
	}
}

// TestPlatformMatches: matched as containerd's platforms.Normalize makes them equal
// (x86_64 is amd64, aarch64 is arm64 and arm64/v8 arm64, arm arm/v7, armhf arm/v7, armel
// arm/v6, i386 386, macos darwin), a variant left unsaid matching any of its architecture's.
func TestPlatformMatches(t *testing.T) {
	for _, c := range []struct {
		want, have string
		ok         bool
	}{
		{"linux/amd64", "linux/amd64", true},
		{"linux/amd64", "linux/x86_64", true},
		{"linux/x86_64", "linux/amd64", true},
		{"linux/amd64", "linux/amd64/v1", true},
		{"linux/arm64", "linux/arm64/v8", true},
		{"linux/arm64/v8", "linux/arm64", true},
		{"linux/arm64", "linux/aarch64", true},
		{"linux/arm", "linux/arm/v7", true},
		{"linux/arm/v7", "linux/armhf", true},
		{"linux/arm/v6", "linux/armel", true},
		{"linux/arm/v7", "linux/arm/v6", false},
		{"linux/arm", "linux/arm/v6", false}, // arm alone is v7
		{"linux/386", "linux/i386", true},
		{"darwin/arm64", "macos/arm64", true},
		{"linux/arm64", "linux/arm64/v9", true}, // unsaid: any variant
		{"linux/arm64/v9", "linux/arm64", false},
		{"linux/amd64", "windows/amd64", false},
		{"linux/amd64", "", false},
		{"linux/amd64", "linux", false},
	} {
		p, err := ParsePlatform(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Matches(c.have); got != c.ok {
			t.Errorf("%s matches %q = %v, want %v", c.want, c.have, got, c.ok)
		}
	}
	if h := hostPlatform(); !h.Matches(runtime.GOOS + "/" + runtime.GOARCH) {
		t.Errorf("the host platform %s does not match %s/%s", h, runtime.GOOS, runtime.GOARCH)
	}
}
