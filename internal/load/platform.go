package load

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

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

// matchPlatform matches os/arch[/variant] as containerd does (platforms.Normalize: x86_64 is
// amd64, aarch64 is arm64 and arm64/v8 is arm64, arm is arm/v7, armhf arm/v7, …), except that
// a want whose variant is left unsaid after that matches any variant of its architecture.
func matchPlatform(want, have string) bool {
	wo, wa, wv, wsaid := normalizePlatform(want)
	ho, ha, hv, _ := normalizePlatform(have)
	if wo == "" || ho == "" || wo != ho || wa != ha {
		return false
	}
	return !wsaid || wv == hv
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
