package load

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/strata-dev/strata/internal/testgen"
)

// splitSeeds are tars whose tar-splits seed FuzzTarSplit: files, an empty file, a directory,
// a hardlink, a symlink, a whiteout, a long (PAX) name.
func splitSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, es := range [][]testgen.Entry{
		{{Name: "etc/", Type: tar.TypeDir}, {Name: "etc/passwd", Content: []byte("root:x:0:0\n")}, {Name: "empty"}},
		{{Name: "a", Size: 1500}, {Name: "b", Type: tar.TypeLink, Link: "a"}, {Name: "l", Type: tar.TypeSymlink, Link: "a"},
			{Name: "d/.wh.gone"}, {Name: string(bytes.Repeat([]byte("x"), 200)), Content: []byte("long")}},
	} {
		var buf bytes.Buffer
		if err := testgen.WriteLayerTar(&buf, es); err != nil {
			t.Fatal(err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

func gunzip(t testing.TB, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzTarSplit: a tar-split, whatever its JSON lines say, is indexed without a panic, within
// the limits; one made from a tar gives that tar's entries, offsets included.
func FuzzTarSplit(f *testing.F) {
	tars := map[string][]byte{}
	for _, tb := range splitSeeds(f) {
		split, err := testgen.TarSplit(tb)
		if err != nil {
			f.Fatal(err)
		}
		lines := gunzip(f, split)
		tars[string(lines)] = tb
		f.Add(lines)
	}
	f.Add([]byte(`{"type":2,"payload":"AAAA","position":0}` + "\n" + `{"type":1,"name":"x","size":-1,"position":1}`))
	f.Add([]byte(`{"type":1,"name":"x","size":9223372036854775807,"payload":"AAAAAAAAAAA=","position":0}`))
	f.Add([]byte(`{"type":3,"position":0}`))
	f.Add([]byte(`{"type":2,"position":5}`))
	f.Fuzz(func(t *testing.T, lines []byte) {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(lines)
		w.Close()
		st := newSplitStream(&gz, fuzzLimits, nil)
		entries, _, _, _, err := readTar(st, fuzzLimits, "", nil)
		if err == nil {
			err = st.err
		}
		if err == nil {
			err = st.drain()
		}
		tb, known := tars[string(lines)]
		if !known {
			return
		}
		if err != nil {
			t.Fatalf("the tar-split of a tar: %v", err)
		}
		want, _, _, _, err := readTar(bytes.NewReader(tb), fuzzLimits, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, entries); d != "" {
			t.Errorf("entries (-tar +tar-split):\n%s", d)
		}
		if st.off != int64(len(tb)) {
			t.Errorf("the tar-split describes %d bytes, the tar is %d", st.off, len(tb))
		}
	})
}

// boltSeed writes a small containerd-shaped meta.db.
func boltSeed(t testing.TB) []byte {
	p := filepath.Join(t.TempDir(), "meta.db")
	db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		v1, _ := tx.CreateBucketIfNotExists([]byte("v1"))
		ns, _ := v1.CreateBucketIfNotExists([]byte("default"))
		ims, _ := ns.CreateBucketIfNotExists([]byte("images"))
		im, _ := ims.CreateBucketIfNotExists([]byte("docker.io/library/app:1"))
		tg, _ := im.CreateBucketIfNotExists([]byte("target"))
		tg.Put([]byte("digest"), []byte("sha256:"+string(bytes.Repeat([]byte("a"), 64))))
		tg.Put([]byte("mediatype"), []byte("application/vnd.oci.image.manifest.v1+json"))
		sz := make([]byte, binary.MaxVarintLen64)
		tg.Put([]byte("size"), sz[:binary.PutVarint(sz, 123)])
		cs, _ := ns.CreateBucketIfNotExists([]byte("containers"))
		c, _ := cs.CreateBucketIfNotExists([]byte("web"))
		c.Put([]byte("image"), []byte("docker.io/library/app:1"))
		c.Put([]byte("snapshotKey"), []byte("web"))
		c.Put([]byte("snapshotter"), []byte("overlayfs"))
		for i := 0; i < 200; i++ { // enough for branch pages
			cs.CreateBucketIfNotExists([]byte{'c', byte(i)})
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzBoltMeta: a metadata database, whatever its bytes, is read without a panic, a fault or
// an endless walk (checkBolt before bbolt), as containerd's meta.db.
func FuzzBoltMeta(f *testing.F) {
	seed := boltSeed(f)
	f.Add(seed)
	cyc := bytes.Clone(seed)
	if len(cyc) > 3*4096 {
		binary.LittleEndian.PutUint64(cyc[2*4096:], 3) // a page claiming another's number
	}
	f.Add(cyc)
	f.Add(seed[:4096])
	f.Add([]byte("not a database"))
	f.Fuzz(func(t *testing.T, db []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "io.containerd.metadata.v1.bolt"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ctrdMeta), db, 0o600); err != nil {
			t.Fatal(err)
		}
		fs, err := openRootFS(dir, fuzzLimits)
		if err != nil {
			t.Fatal(err)
		}
		defer fs.Close()
		r := &containerdRoot{fs: fs, lim: fuzzLimits}
		err = r.load()
		if bytes.Equal(db, seed) && err != nil {
			t.Fatalf("the seed database: %v", err)
		}
		if err == nil {
			r.containers()
		}
	})
}

// FuzzSplitRecord: the fast tar-split line reader, whenever it answers, answers what
// encoding/json does.
func FuzzSplitRecord(f *testing.F) {
	for _, s := range []string{
		`{"type":2,"payload":"AAAA","position":0}`,
		`{"type":1,"name":"etc/passwd","size":11,"payload":"3q2+796tvu8=","position":1}` + "\n",
		`{"type":1,"name_raw":"/w==","size":0,"payload":null,"position":2}`,
		`{"type":1,"name":"a\u003cb","size":1,"position":3}`,
		`{"TYPE":1,"position":-0}`,
		`{"type":1.0}`, `{"size":01}`, `{}`, ` { "type" : 2 , "position" : 7 } `, `{"type":2,"type":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast, slow tarSplitRecord
		if !parseSplitRecord(line, &fast) {
			return
		}
		if err := json.Unmarshal(line, &slow); err != nil {
			t.Fatalf("fast reader took %q, encoding/json refuses it: %v", line, err)
		}
		if d := cmp.Diff(slow, fast); d != "" {
			t.Errorf("%q (-encoding/json +fast):\n%s", line, d)
		}
	})
}
