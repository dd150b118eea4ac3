package units

import "testing"

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0B", 999: "999B", 1000: "1kB", 204_856: "204.9kB", 661_818: "661.8kB",
		2_980_000: "2.98MB", 1_126_288_896: "1.126GB", -40_370: "-40.37kB",
		1 << 62: "4.612EB",
	} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCount: "1 change", never "1 changes".
func TestCount(t *testing.T) {
	for _, c := range []struct {
		n          int
		noun, want string
	}{{1, "change", "1 change"}, {0, "change", "0 changes"}, {2, "entry", "2 entries"}, {1, "entry", "1 entry"}, {3, "key", "3 keys"}, {2, "layer", "2 layers"}} {
		if got := Count(c.n, c.noun); got != c.want {
			t.Errorf("Count(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "5000": 5000, "64M": 64 << 20, "1k": 1024, "2G": 2 << 30, "1024T": 1 << 50} {
		if got, err := ParseLimit(in); err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5M", "1K", "1MB", "1025T", "1125899906842625", "x", "M"} {
		if got, err := ParseLimit(in); err == nil {
			t.Errorf("ParseLimit(%q) = %d, want an error", in, got)
		}
	}
}
