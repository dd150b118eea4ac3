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
