package load

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// maxBolt bounds a metadata database strata opens (containerd's meta.db, a snapshotter's
// metadata.db, libpod's bolt_state.db): they hold metadata, not content.
const maxBolt = 1 << 30

// boltDB is a bbolt database of a data root, opened read-only.
type boltDB struct {
	db   *bolt.DB
	tmp  string // a private copy, removed on close
	name string
}

// openBolt opens a bbolt database of the root read-only, through the root (the file is
// never reached by a path outside it), with a shared lock. A running engine holds the
// lock exclusively (containerd does as long as it runs): then the database is copied, read
// through the root, into a private temporary file, opened there, and warn says so — the
// root itself is never written.
func openBolt(fs *rootFS, name string, warn func(string)) (*boltDB, error) {
	f, size, err := fs.openFile(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > maxBolt {
		return nil, limitErr("json", maxBolt, "%s is %d bytes, more than %d allowed for a metadata database", name, size, int64(maxBolt))
	}
	if size == 0 {
		return nil, fmt.Errorf("%w: %s is empty", ErrCorrupt, name)
	}
	opts := &bolt.Options{ReadOnly: true, Timeout: 200 * time.Millisecond,
		OpenFile: func(string, int, os.FileMode) (*os.File, error) {
			return fs.root.OpenFile(rel(name), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		}}
	if err := checkBolt(f, size); err != nil {
		return nil, memberErr(name, err)
	}
	db, err := guardBolt(func() (*bolt.DB, error) { return bolt.Open(name, 0, opts) })
	if err == nil {
		return &boltDB{db: db, name: name}, nil
	}
	if !errors.Is(err, berrors.ErrTimeout) {
		return nil, memberErr(name, fmt.Errorf("%w: not a bbolt database: %v", ErrCorrupt, err))
	}
	tmp, err := copyOut(fs, name)
	if err != nil {
		return nil, err
	}
	if warn != nil {
		warn(fmt.Sprintf("%s is locked by a running engine: reading a copy of it taken now (an engine writing at this instant can leave the copy inconsistent)", name))
	}
	opts.OpenFile = nil
	if err := checkCopy(tmp); err != nil {
		os.Remove(tmp)
		return nil, memberErr(name, err)
	}
	db, err = guardBolt(func() (*bolt.DB, error) { return bolt.Open(tmp, 0, opts) })
	if err != nil {
		os.Remove(tmp)
		return nil, memberErr(name, fmt.Errorf("%w: not a bbolt database: %v", ErrCorrupt, err))
	}
	return &boltDB{db: db, tmp: tmp, name: name}, nil
}

// copyOut copies a root file to a private temporary file outside the root.
func copyOut(fs *rootFS, name string) (string, error) {
	src, _, err := fs.openFile(name)
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.CreateTemp("", "strata-bolt-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(dst, io.LimitReader(src, maxBolt+1))
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
}

func (b *boltDB) Close() error {
	err := b.db.Close()
	if b.tmp != "" {
		os.Remove(b.tmp)
	}
	return err
}

// view runs fn in a read transaction. bbolt trusts its file: a corrupt one can make it
// panic or fault; both become ErrCorrupt naming the database.
func (b *boltDB) view(fn func(tx *bolt.Tx) error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = memberErr(b.name, fmt.Errorf("%w: the database is damaged: %v", ErrCorrupt, r))
		}
	}()
	return b.db.View(fn)
}

func guardBolt(open func() (*bolt.DB, error)) (db *bolt.DB, err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return open()
}

// bucketPath walks nested buckets; nil when one is missing.
func bucketPath(tx *bolt.Tx, names ...string) *bolt.Bucket {
	if len(names) == 0 {
		return nil
	}
	b := tx.Bucket([]byte(names[0]))
	for _, n := range names[1:] {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(n))
	}
	return b
}

func checkCopy(tmp string) error {
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	return checkBolt(f, fi.Size())
}
