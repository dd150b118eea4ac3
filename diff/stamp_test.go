package diff

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/strata-dev/strata/internal/image"
)

// TestStampJSON: a Stamp's JSON is image.Time's for the same instant, null for NoStamp, and
// reads back.
func TestStampJSON(t *testing.T) {
	for _, ns := range []int64{0, 1, 1700000000123456789, -5e9} {
		want, _ := json.Marshal(image.Time{Time: time.Unix(0, ns).UTC()})
		s := Stamp(ns)
		got, _ := json.Marshal(s)
		if string(got) != string(want) || string(s.AppendJSON(nil)) != string(want) {
			t.Errorf("%d: %s / %s, want %s", ns, got, s.AppendJSON(nil), want)
		}
		var back Stamp
		if err := json.Unmarshal(got, &back); err != nil || back != s {
			t.Errorf("%d: read back %d, %v", ns, back, err)
		}
	}
	if got, _ := json.Marshal(NoStamp); string(got) != "null" {
		t.Errorf("NoStamp: %s", got)
	}
	var back Stamp
	if err := json.Unmarshal([]byte("null"), &back); err != nil || back != NoStamp {
		t.Errorf("null read back as %d, %v", back, err)
	}
}
