package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/strata-dev/strata/internal/testgen"
)

// writePackages writes hostile package databases and metadata, each a docker save of one
// image with gzip layers (small on disk, large once read), into out/packages, for
// `strata packages` under /usr/bin/time (the standard: within 20 s and 1 GiB, exit 2 or a
// warning).
func writePackages(out string) error {
	dir := filepath.Join(out, "packages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stanza := func(name string) string {
		return "Package: " + name + "\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\n"
	}
	one := func(es ...testgen.Entry) testgen.Image {
		return testgen.Image{Tags: []string{"hostile:1"}, Layers: []testgen.Layer{{Entries: es, Compression: testgen.Gzip}}}
	}
	images := map[string]func() testgen.Image{
		// a file list of 200 MB of newlines (within package-file)
		"dpkg-list-newlines.tar": func() testgen.Image {
			return one(testgen.File("var/lib/dpkg/status", stanza("a")),
				testgen.File("var/lib/dpkg/info/a.list", strings.Repeat("\n", 200<<20)))
		},
		// a file list of 3 million paths (within package-files)
		"dpkg-list-3m.tar": func() testgen.Image {
			var b strings.Builder
			for i := range 3_000_000 {
				fmt.Fprintf(&b, "/usr/share/a/%d\n", i)
			}
			return one(testgen.File("var/lib/dpkg/status", stanza("a")), testgen.File("var/lib/dpkg/info/a.list", b.String()))
		},
		// one 200 MB line: a field's value
		"dpkg-status-line.tar": func() testgen.Image {
			return one(testgen.File("var/lib/dpkg/status", "Package: "+strings.Repeat("a", 200<<20)+"\nVersion: 1\n\n"))
		},
		// a status file past package-file (300 MB)
		"dpkg-status-300m.tar": func() testgen.Image {
			return one(testgen.File("var/lib/dpkg/status", stanza("a")+strings.Repeat("#", 300<<20)))
		},
		// a million tiny stanzas, each a package
		"dpkg-status-1m.tar": func() testgen.Image {
			var b strings.Builder
			for i := range 1_000_000 {
				fmt.Fprintf(&b, "Package: p%d\nVersion: 1\n\n", i)
			}
			return one(testgen.File("var/lib/dpkg/status", b.String()))
		},
		// 40 million stanzas without a version: one warning each before
		"dpkg-status-nameless.tar": func() testgen.Image {
			return one(testgen.File("var/lib/dpkg/status", strings.Repeat("Package: a\n\n", 20<<20)))
		},
		// a RECORD of a million lines of absurd paths
		"python-record-1m.tar": func() testgen.Image {
			var b strings.Builder
			for i := range 1_000_000 {
				fmt.Fprintf(&b, "../../../../etc/passwd%d\x00\u202e,,\n", i)
			}
			site := "usr/lib/python3/site-packages/x-1.dist-info/"
			return one(testgen.File(site+"METADATA", "Name: x\u202e\x1b[31m\nVersion: 1\x07\n"), testgen.File(site+"RECORD", b.String()))
		},
		// a SQLite rpm database whose 20,000 cells are one cell overflowing through 16 MB
		"rpm-sqlite-shared-cells.tar": func() testgen.Image {
			return one(testgen.File("var/lib/rpm/rpmdb.sqlite", string(sqliteSharedCells(20000, 256))))
		},
		// a jar of 65,534 entries sharing one deflate stream of 64 MB
		"jar-bomb.tar": func() testgen.Image {
			return one(testgen.File("srv/app.jar", string(overlappingJar(65534, 64<<20-200))))
		},
		// eight layers each writing a 250 MB Berkeley DB rpm database of empty pages (package-bytes: 2 GB)
		"rpm-8-layers.tar": func() testgen.Image {
			img := testgen.Image{Tags: []string{"hostile:1"}}
			for i := range 8 {
				db := make([]byte, 250<<20)
				binary.LittleEndian.PutUint32(db[12:], 0x061561)
				binary.LittleEndian.PutUint32(db[20:], 4096)
				db[25] = 8 // hash meta page
				binary.LittleEndian.PutUint32(db[32:], uint32(len(db)/4096-1))
				db[100] = byte(i) // a different file in each layer
				img.Layers = append(img.Layers, testgen.Layer{Compression: testgen.Gzip,
					Entries: []testgen.Entry{testgen.File("var/lib/rpm/Packages", string(db))}})
			}
			return img
		},
	}
	for name, mk := range images {
		if err := writeArchive(filepath.Join(dir, name), mk()); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func writeArchive(p string, img testgen.Image) error {
	fh, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	if err := testgen.WriteDockerArchive(w, img); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return fh.Close()
}

// sqliteSharedCells is an rpm SQLite database of 64 KiB pages: the schema on page 1, the
// Packages leaf on page 2 with cells cell pointers all to one cell whose payload overflows
// through pages 3 … 2+overflow (a chain read once per pointer before).
func sqliteSharedCells(cells, overflow int) []byte {
	const ps = 65536
	varint := func(v int64) []byte {
		var g []byte
		for {
			g = append([]byte{byte(v & 0x7f)}, g...)
			if v >>= 7; v == 0 {
				break
			}
		}
		for i := 0; i < len(g)-1; i++ {
			g[i] |= 0x80
		}
		return g
	}
	page := make([]byte, ps*(2+overflow))
	sql := "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"
	rec := append([]byte{6, 13 + 2*5, 13 + 2*8, 13 + 2*8, 1}, varint(int64(13+2*len(sql)))...)
	rec[0] = byte(len(rec))
	rec = append(append(append(append(append(rec, "table"...), "Packages"...), "Packages"...), 2), sql...)
	schema := append(append(varint(int64(len(rec))), 1), rec...)
	p1 := page[:ps]
	copy(p1, "SQLite format 3\x00")
	p1[16], p1[17], p1[18], p1[19], p1[21], p1[22], p1[23] = 0, 1, 1, 1, 64, 32, 32
	binary.BigEndian.PutUint32(p1[28:], uint32(2+overflow))
	at := ps - len(schema)
	copy(p1[at:], schema)
	p1[100] = 0x0d
	binary.BigEndian.PutUint16(p1[103:], 1)
	binary.BigEndian.PutUint16(p1[105:], uint16(at))
	binary.BigEndian.PutUint16(p1[108:], uint16(at))
	// The row: (NULL, a blob filling the overflow pages).
	u := int64(ps)
	m := (u-12)*32/255 - 23
	local := m // a payload of m + overflow pages' worth keeps m bytes on the leaf
	blob := m + int64(overflow)*(u-4) - 6
	hdr := append([]byte{0, 0}, varint(12+2*blob)...) // 6 bytes: the varint takes 4
	hdr[0] = byte(len(hdr))
	size := int64(len(hdr)) + blob
	cell := append(append(varint(size), 1), hdr...)
	cell = append(cell, make([]byte, local-int64(len(hdr)))...)
	cell = binary.BigEndian.AppendUint32(cell, 3)
	p2 := page[ps : 2*ps]
	at = ps - len(cell)
	copy(p2[at:], cell)
	p2[0] = 0x0d
	binary.BigEndian.PutUint16(p2[3:], uint16(cells))
	binary.BigEndian.PutUint16(p2[5:], uint16(at))
	for i := range cells {
		binary.BigEndian.PutUint16(p2[8+2*i:], uint16(at))
	}
	for i := range overflow {
		next := uint32(4 + i)
		if i == overflow-1 {
			next = 0
		}
		binary.BigEndian.PutUint32(page[(2+i)*ps:], next)
	}
	return page
}

// overlappingJar is a jar of n entries that all name one deflated entry: an archive of size
// bytes of zeros (testgen.OverlappingZip).
func overlappingJar(n, size int) []byte {
	var in bytes.Buffer
	iw := zip.NewWriter(&in)
	fw, _ := iw.CreateHeader(&zip.FileHeader{Name: "zeros", Method: zip.Store})
	fw.Write(make([]byte, size))
	iw.Close()
	return testgen.OverlappingZip(in.Bytes(), n)
}
