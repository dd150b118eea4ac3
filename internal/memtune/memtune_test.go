package memtune

import "testing"

func TestPercent(t *testing.T) {
	for live, want := range map[uint64]int{0: 100, 32 << 20: 100, Allowance: 100, 128 << 20: 50, 256 << 20: 25, 320 << 20: 20, 2 << 30: 20} {
		if got := Percent(live); got != want {
			t.Errorf("Percent(%d MiB) = %d, want %d", live>>20, got, want)
		}
	}
}
