package load

import (
	"fmt"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/escape"
)

// Platform selects one platform of a multi-platform index (--platform): os/arch[/variant],
// parsed once by ParsePlatform and matched as containerd matches (Matches). The zero value
// selects none.
type Platform struct {
	OS, Arch, Variant string // as given, lower-cased

	// the normalized form Matches compares (containerd's platforms.Normalize), and whether
	// a variant is given or implied
	os, arch, variant string
	said              bool
}

// ParsePlatform reads os/arch[/variant]: lower-cased, as Docker and containerd take it
// (linux/AMD64 is linux/amd64), two or three non-empty parts of letters, digits, '_', '-'
// or '.'.
func ParsePlatform(s string) (Platform, error) {
	s = strings.ToLower(s)
	parts := strings.Split(s, "/")
	bad := len(parts) < 2 || len(parts) > 3
	for _, part := range parts {
		if part == "" {
			bad = true
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
				bad = true
			}
		}
	}
	if bad {
		return Platform{}, fmt.Errorf("%q: want OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64 or linux/arm64/v8", escape.String(s))
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	p.os, p.arch, p.variant, p.said = normalizePlatform(s)
	return p, nil
}

// String is os/arch[/variant]; "" for the zero value.
func (p Platform) String() string {
	if p.OS == "" {
		return ""
	}
	if p.Variant == "" {
		return p.OS + "/" + p.Arch
	}
	return p.OS + "/" + p.Arch + "/" + p.Variant
}

// IsZero reports whether no platform is selected.
func (p Platform) IsZero() bool { return p.OS == "" }

// Matches reports whether have (os/arch[/variant] as an index or a config gives it) is this
// platform, as containerd matches (platforms.Normalize: x86_64 is amd64, aarch64 is arm64
// and arm64/v8 is arm64, arm is arm/v7, armhf arm/v7, …), except that a platform whose
// variant is left unsaid after that matches any variant of its architecture.
func (p Platform) Matches(have string) bool {
	ho, ha, hv, _ := normalizePlatform(have)
	if p.os == "" || ho == "" || p.os != ho || p.arch != ha {
		return false
	}
	return !p.said || p.variant == hv
}

// hostPlatform is this machine's platform, what a registry index is read for without
// --platform.
func hostPlatform() Platform {
	p, _ := ParsePlatform(runtime.GOOS + "/" + runtime.GOARCH)
	return p
}

func platformOf(cfg *v1.ConfigFile) string {
	if cfg == nil || cfg.OS == "" {
		return ""
	}
	p := cfg.OS + "/" + cfg.Architecture
	if cfg.Variant != "" {
		p += "/" + cfg.Variant
	}
	return p
}

// normalizePlatform splits os/arch[/variant] and normalizes it as containerd's
// platforms.Normalize does; said reports whether a variant is given or implied (arm's v7).
func normalizePlatform(p string) (os, arch, variant string, said bool) {
	parts := strings.Split(strings.ToLower(p), "/")
	if len(parts) < 2 {
		return "", "", "", false
	}
	os, arch = parts[0], parts[1]
	if len(parts) > 2 {
		variant, said = parts[2], true
	}
	if os == "macos" {
		os = "darwin"
	}
	switch arch {
	case "i386":
		arch, variant = "386", ""
	case "x86_64", "x86-64", "amd64":
		arch = "amd64"
		if variant == "v1" {
			variant = ""
		}
	case "aarch64", "arm64":
		arch = "arm64"
		if variant == "8" || variant == "v8" {
			variant = ""
		}
	case "armhf":
		arch, variant, said = "arm", "v7", true
	case "armel":
		arch, variant, said = "arm", "v6", true
	case "arm":
		switch variant {
		case "", "7":
			variant, said = "v7", true
		case "5", "6", "8":
			variant = "v" + variant
		}
	}
	return os, arch, variant, said
}

// samePlatform reports whether two platforms are the same once normalized.
func samePlatform(a, b string) bool {
	ao, aa, av, _ := normalizePlatform(a)
	bo, ba, bv, _ := normalizePlatform(b)
	return ao == bo && aa == ba && av == bv
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
