package rpmdb

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const dir = "../../testdata/packages/rpm/"

func gunzip(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(dir + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nevras(t *testing.T, data, wal []byte) ([]string, Kind) {
	t.Helper()
	blobs, kind, err := Blobs(data, wal, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range blobs {
		h, err := ParseHeader(b, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "gpg-pubkey" {
			continue
		}
		out = append(out, h.Name+"-"+h.Version+"-"+h.Release+"."+h.Arch)
	}
	sort.Strings(out)
	return out, kind
}

func truth(t *testing.T, name string) []string {
	b, err := os.ReadFile(dir + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// TestDatabasesAgainstRPM: each database kind lists what rpm -qa lists (go-rpmdb's test case
// for NDB, which Debian's rpm cannot read).
func TestDatabasesAgainstRPM(t *testing.T) {
	db, wal := gunzip(t, "wal/rpmdb.sqlite.gz"), gunzip(t, "wal/rpmdb.sqlite-wal.gz")
	for _, c := range []struct {
		name      string
		data, wal []byte
		kind      Kind
		want      []string
	}{
		{"sqlite with its WAL", db, wal, SQLite, truth(t, "wal.truth.txt")},
		{"bdb", gunzip(t, "bdb.Packages.gz"), nil, BDB, truth(t, "bdb.truth.txt")},
		{"ndb", gunzip(t, "ndb.Packages.db.gz"), nil, NDB, truth(t, "ndb.truth.txt")},
	} {
		got, kind := nevras(t, c.data, c.wal)
		if kind != c.kind {
			t.Errorf("%s: sniffed as %s", c.name, kind)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-rpm +strata):\n%s", c.name, diff)
		}
	}
	// Without its log the database still holds the row the log deletes: the log matters.
	without, _ := nevras(t, db, nil)
	if len(without) != len(truth(t, "wal.truth.txt"))+1 {
		t.Errorf("without the WAL: %v", without)
	}
}

// TestHeaderFields: epoch, size, license, source rpm and files of a header rpm wrote.
func TestHeaderFields(t *testing.T) {
	blobs, _, err := Blobs(gunzip(t, "wal/rpmdb.sqlite.gz"), nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		h, err := ParseHeader(b, 100)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "strata-c" {
			continue
		}
		want := &Header{Name: "strata-c", Version: "0.5", Release: "1", Arch: "noarch", Epoch: "1", License: "MIT",
			SourceRPM: "strata-c-0.5-1.src.rpm", Size: 1128,
			Files: []string{"/usr/bin/strata-c-0.5", "/usr/share/strata-c/0.5", "/usr/share/strata-c/0.5/data.txt"}}
		if diff := cmp.Diff(want, h); diff != "" {
			t.Errorf("(-rpm -qi +strata):\n%s", diff)
		}
		return
	}
	t.Fatal("strata-c not found")
}

// FuzzBlobs: any bytes as a database (and a log) of each kind, and every blob found as a
// header: an error or a result, never a panic or a hang; the blobs found add up to no more
// than the bytes given (no page, item or slot is read twice).
func FuzzBlobs(f *testing.F) {
	db, wal := gunzip(f, "wal/rpmdb.sqlite.gz"), gunzip(f, "wal/rpmdb.sqlite-wal.gz")
	bdb := gunzip(f, "bdb.Packages.gz")
	f.Add(db[:min(len(db), 64<<10)], wal[:min(len(wal), 8<<10)])
	f.Add(bdb[:min(len(bdb), 32<<10)], []byte(nil))
	ndb := gunzip(f, "ndb.Packages.db.gz")
	f.Add(ndb[:min(len(ndb), 64<<10)], []byte(nil))
	f.Add([]byte("SQLite format 3\x00"), []byte(nil))
	f.Add(append([]byte("RpmP\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00"), bytes.Repeat([]byte{0}, 4096)...), []byte(nil))
	// The hostile shapes of hostile_test.go: shared cells, an overflow chain, shared pages.
	row := sqliteRecord(nil, rpmHeader("a"))
	f.Add(sqliteFile([][]byte{leafCell(1, row), leafCell(2, row)}, nil), []byte(nil))
	f.Add(sqliteFile([][]byte{leafCell(1, row)}, make([]int, 50)), []byte(nil))
	f.Add(bdbFile(2), []byte(nil))
	f.Add(bdbFile(2, 2), []byte(nil))
	f.Fuzz(func(t *testing.T, data, wal []byte) {
		blobs, _, err := Blobs(data, wal, 1000)
		if err != nil {
			return
		}
		total := 0
		for _, b := range blobs {
			total += len(b)
			if h, err := ParseHeader(b, 1000); err == nil && len(h.Files) > 1000 {
				t.Fatalf("%d files, more than the 1000 allowed", len(h.Files))
			}
		}
		if total > len(data)+len(wal) {
			t.Fatalf("blobs of %d bytes in all from %d bytes", total, len(data)+len(wal))
		}
	})
}

// FuzzHeader: any bytes as one header.
func FuzzHeader(f *testing.F) {
	blobs, _, _ := Blobs(gunzip(f, "wal/rpmdb.sqlite.gz"), nil, 100)
	for _, b := range blobs {
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 3, 232, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b, 1000)
		if err == nil && h.Name == "" {
			t.Fatal("a header without a name")
		}
		if err == nil && len(h.Files) > 1000 {
			t.Fatalf("%d files, more than the 1000 allowed", len(h.Files))
		}
	})
}
