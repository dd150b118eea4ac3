package image

import (
	"encoding/json"
	"testing"
	"time"
	"unsafe"
)

// TestEntryRareFacts: the rare facts live behind one pointer, nil once all are zero; a copy
// of an entry is an independent value (setters never change a shared rare).
func TestEntryRareFacts(t *testing.T) {
	var e Entry
	e.SetLink("target")
	e.SetDigest("sha256:ab")
	c := e
	c.SetLink("other")
	if e.Link() != "target" || c.Link() != "other" || c.Digest() != "sha256:ab" {
		t.Errorf("copies share their facts: %q %q %q", e.Link(), c.Link(), c.Digest())
	}
	e.SetDevice(8, 1)
	if ma, mi := e.Device(); ma != 8 || mi != 1 {
		t.Errorf("Device = %d,%d", ma, mi)
	}
	e.SetLink("")
	e.SetDigest("")
	e.SetDevice(0, 0)
	if e.rare != nil {
		t.Error("an entry whose rare facts are all zero keeps the pointer")
	}
	if !e.Equal(Entry{}) || e.Equal(c) {
		t.Error("Equal ignores the rare facts")
	}
	if size := unsafe.Sizeof(Entry{}); size > 72 {
		t.Errorf("an entry is %d bytes, more than the 72 the memory budget counts", size)
	}
}

// TestModeAndType: the contract's spellings of modes (4-digit octal with special bits) and
// types, both ways.
func TestModeAndType(t *testing.T) {
	for m, want := range map[uint32]string{0o644: "0644", 0o4755: "4755", 0o1777: "1777", 0: "0000", 0o170644: "0644"} {
		if got := Mode(m); got != want {
			t.Errorf("Mode(%o) = %s, want %s", m, got, want)
		}
	}
	for typ := TypeFile; typ <= TypeFifo; typ++ {
		b, _ := typ.MarshalText()
		var back Type
		if err := back.UnmarshalText(b); err != nil || back != typ {
			t.Errorf("%s: round trip gives %v, %v", b, back, err)
		}
	}
	if Type(99).String() != "unknown" {
		t.Error("an out-of-range type has a name")
	}
	var bad Type
	if bad.UnmarshalText([]byte("socket")) == nil {
		t.Error("an unknown type name was accepted")
	}
}

// TestTimeJSON: an unknown time is null; a known one RFC 3339 in UTC.
func TestTimeJSON(t *testing.T) {
	b, _ := json.Marshal([]Time{{}, {time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))}})
	if want := `[null,"2024-01-02T02:04:05.000000006Z"]`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// TestLayerCounts: a layer's size is its regular files' bytes (docker history's), its file
// count every entry but whiteouts; the created_by comes from its history row.
func TestLayerCounts(t *testing.T) {
	l := &Layer{Entries: []Entry{{Type: TypeFile, Size: 3}, {Type: TypeDir}, {Type: TypeHardlink, Size: 9}, {Whiteout: WhiteoutDelete}}}
	if l.Size() != 3 || l.Files() != 3 || l.CreatedBy() != "" {
		t.Errorf("Size %d Files %d CreatedBy %q", l.Size(), l.Files(), l.CreatedBy())
	}
}
