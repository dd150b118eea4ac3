// Package rpmdb reads the package headers out of an rpm database held in memory: SQLite
// (rpmdb.sqlite, rpm ≥ 4.16, with its write-ahead log), NDB (Packages.db, SUSE) and
// Berkeley DB hash (Packages, rpm < 4.16), and parses them. Every structure is bounds-checked
// and every walk bounded: a hostile database is an error, never a panic, a loop or an
// allocation its size does not justify.
package rpmdb

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrFormat means the bytes are not a database of a kind this package reads.
var ErrFormat = errors.New("not an rpm database")

// ErrCorrupt means a database of a known kind is damaged.
var ErrCorrupt = errors.New("corrupt rpm database")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Kind names a database format.
type Kind string

// The database formats.
const (
	SQLite Kind = "sqlite"
	NDB    Kind = "ndb"
	BDB    Kind = "bdb"
)

// Sniff says which format data is in, from its first bytes.
func Sniff(data []byte) (Kind, bool) {
	switch {
	case bytes.HasPrefix(data, []byte("SQLite format 3\x00")):
		return SQLite, true
	case len(data) >= 4 && le32(data) == ndbMagic:
		return NDB, true
	case len(data) >= 16 && (le32(data[12:]) == hashMagic || be32(data[12:]) == hashMagic):
		return BDB, true
	}
	return "", false
}

// Blobs returns the header blob of every package the database holds, in storage order.
// wal is rpmdb.sqlite-wal's content (nil or empty when there is none; only SQLite uses
// it). maxBlobs bounds how many are returned.
func Blobs(data, wal []byte, maxBlobs int) ([][]byte, Kind, error) {
	k, ok := Sniff(data)
	if !ok {
		return nil, "", ErrFormat
	}
	var blobs [][]byte
	var err error
	switch k {
	case SQLite:
		blobs, err = sqliteBlobs(data, wal, maxBlobs)
	case NDB:
		blobs, err = ndbBlobs(data, maxBlobs)
	case BDB:
		blobs, err = bdbBlobs(data, maxBlobs)
	}
	return blobs, k, err
}

// ErrTooMany means a database holds more packages than allowed.
var ErrTooMany = errors.New("too many packages")

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func be32(b []byte) uint32 {
	return uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24
}
func be16(b []byte) uint16 { return uint16(b[1]) | uint16(b[0])<<8 }
func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
