package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/testgen"
)

// ../testdata/baseline/small.lock.json is `strata baseline testdata/docker/small.tar`.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadRoundTrip(t *testing.T) {
	raw := readFile(t, "../testdata/baseline/small.lock.json")
	lk, err := Read(bytes.NewReader(raw), "small.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := lk.Write(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(raw), out.String()); diff != "" {
		t.Errorf("Write(Read(lock)) differs from the lock (-want +got):\n%s", diff)
	}
	// Reformatted (compact, keys reordered by a generic round trip): the same lock.
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(generic)
	lk2, err := Read(bytes.NewReader(compact), "compact.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lk, lk2); diff != "" {
		t.Errorf("reformatted lock reads differently (-want +got):\n%s", diff)
	}
}

func TestReadBad(t *testing.T) {
	good := string(readFile(t, "../testdata/baseline/small.lock.json"))
	sub := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	tests := []struct {
		name, in, want string
		schema         bool
	}{
		{"empty", "", "x.json:1:1: not JSON: unexpected end of JSON input", false},
		{"not JSON", "schema: 1\n", "x.json:1:1: not JSON: invalid character 's' looking for beginning of value", false},
		{"syntax error on line 3", "{\n\"schema\": 1,\n\"image\": }", "x.json:3:10: not JSON: invalid character '}' looking for beginning of value", false},
		{"array", "[1]", "x.json:1:1: not a strata lock: want a JSON object, got an array", false},
		{"unknown key", sub(`"files": 39,`, `"files": 39, "extra": true,`), `x.json:14:16: key extra: unknown key`, false},
		{"unknown nested key", sub(`"digest": "",`, `"digest": "", "color": "red",`), `x.json:8:19: key image.color: unknown key`, false},
		{"wrong type", sub(`"size": 251810`, `"size": "251810"`), `x.json:13:11: key size: want an integer, got string "251810"`, false},
		{"fraction", sub(`"files": 39`, `"files": 39.5`), `x.json:14:12: key files: want an integer, got number 39.5`, false},
		{"wrong nested type", sub(`{"path": "/bin/busybox", "size": 251696}`, `{"path": 7, "size": 251696}`), `x.json:36:18: key layers[0].top_files[0].path: want a string, got number 7`, false},
		{"schema 2", sub(`"schema": 1`, `"schema": 2, "future": {}`), `x.json:2:13: key schema: schema 2: this strata reads lock schema 1 (re-run strata baseline to write one)`, true},
		{"schema string", sub(`"schema": 1`, `"schema": "1"`), `x.json:2:13: key schema: want an integer, got string "1"`, false},
		{"missing key", sub(`"setuid": [],`, ``), `x.json:69:1: key setuid: missing key`, false},
		{"duplicate key", sub(`"files": 39,`, `"files": 39, "files": 40,`), `x.json:14:16: key files: duplicate key`, false},
		{"trailing data", good + "{}", `x.json:70:1: not JSON: invalid character '{' after top-level value`, false},
		{"bad digest", sub(`"diff_id": "sha256:a731`, `"diff_id": "sha256:A731`), `x.json:30:18: key layers[0].diff_id: want sha256:<64 hex digits> or ""`, false},
		{"index out of order", sub(`"index": 1,`, `"index": 7,`), `x.json:46:16: key layers[1].index: 7: layers must be listed in order from 0`, false},
		{"base too deep", sub(`"layers": 0,`, `"layers": 3,`), `x.json:12:22: key base.layers: 3, but the lock has 2 layers`, false},
		{"negative size", sub(`"size": 24,`, `"size": -24,`), `x.json:49:15: key layers[1].size: negative`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in), "x.json")
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var re *ReadError
			if !errors.As(err, &re) {
				t.Errorf("%T is not a *ReadError", err)
			}
			if got := errors.Is(err, ErrSchema); got != tt.schema {
				t.Errorf("errors.Is(err, ErrSchema) = %v", got)
			}
		})
	}
}

func TestReadTooLarge(t *testing.T) {
	_, err := Read(strings.NewReader(strings.Repeat(" ", MaxLockBytes+1)), "big.json")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzRead: Read never panics, and whatever it accepts it writes back to a lock that reads
// the same.
func FuzzRead(f *testing.F) {
	good := readFile(f, "../testdata/baseline/small.lock.json")
	f.Add(good)
	f.Add([]byte(`{"schema": 2}`))
	f.Add([]byte(`{"schema": 1, "schema": 1}`))
	f.Add([]byte(`[{"schema": 1}]`))
	f.Add(bytes.Replace(good, []byte(`"setuid": []`), []byte(`"setuid": ["/bin/su"]`), 1))
	f.Add(bytes.Replace(good, []byte(`"cmd": [`), []byte(`"x": {"a": [1, {"b": null}]}, "cmd": [`), 1))
	f.Add(testgen.WideLock(4096))
	f.Add(testgen.DeepLock(10001)) // past encoding/json's nesting limit
	f.Fuzz(func(t *testing.T, data []byte) {
		lk, err := Read(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) {
				t.Fatalf("%T is not a *ReadError: %v", err, err)
			}
			return
		}
		var out bytes.Buffer
		if err := lk.Write(&out); err != nil {
			t.Fatal(err)
		}
		lk2, err := Read(&out, "rewritten.json")
		if err != nil {
			t.Fatalf("rewritten lock does not read: %v\n%s", err, out.String())
		}
		if diff := cmp.Diff(lk, lk2); diff != "" {
			t.Fatalf("rewritten lock reads differently (-first +second):\n%s", diff)
		}
	})
}

func BenchmarkRead(b *testing.B) {
	raw := readFile(b, "../testdata/baseline/small.lock.json")
	for b.Loop() {
		if _, err := Read(bytes.NewReader(raw), "x"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadBoundedMemory: a lock of MaxLockBytes of empty objects, or nested 9,000 deep, is
// refused naming the key, allocating at most six times its size (issue 18: the syntax check
// decoded it into interface values first, 600 MB for 16 MiB of `{},`).
func TestReadBoundedMemory(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"wide", testgen.WideLock(MaxLockBytes - 64)},
		{"deep", testgen.DeepLock(9000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Read(bytes.NewReader(c.data), "lock.json")
			runtime.ReadMemStats(&after)
			var re *ReadError
			if !errors.As(err, &re) || re.Key != "x" || re.Line != 1 {
				t.Fatalf("err = %v, want a *ReadError at line 1 naming key x", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 6*uint64(len(c.data))+(1<<20) {
				t.Errorf("allocated %d bytes reading a %d-byte lock, want at most 6× its size", alloc, len(c.data))
			}
		})
	}
}
