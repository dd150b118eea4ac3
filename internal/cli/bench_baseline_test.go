package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/strata-dev/strata/baseline"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/load"
)

// BenchmarkLock is `strata baseline` over the large generated image (see bench_test.go):
// it reads every file's content once (sha256), for the layer fingerprints.
func BenchmarkLock(b *testing.B) {
	in := benchInputs(b)
	b.Run("file", func(b *testing.B) {
		setBytes(b, in["tar"])
		benchRun(b, "", "baseline", in["tar"])
	})
	b.Run("stdin-gzip", func(b *testing.B) {
		setBytes(b, in["gzip"])
		benchRun(b, in["gzip"], "baseline", "-")
	})
}

// BenchmarkLockCompare is what `check --baseline` adds to opening an image: the large
// image's rebuilt-app variant (five layers shared, the top one changed) loaded, merged and
// held against the first one's lock. Only layers the lock lacks, of a size and file count
// a locked layer has, are read (here: none).
func BenchmarkLockCompare(b *testing.B) {
	in := benchInputs(b)
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"baseline", in["tar"]}, nil, &buf, &buf); err != nil {
		b.Fatal(err)
	}
	lk, err := baseline.Read(&buf, "large.lock.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		img, err := load.Open(context.Background(), in["tar2"], nil, load.Options{HashFiles: baseline.ContentHash})
		if err != nil {
			b.Fatal(err)
		}
		c, err := baseline.Compare(lk, img, fstree.Merge(img.Layers), baseline.Policy{})
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Layers) != 6 {
			b.Fatalf("%d layer classes", len(c.Layers))
		}
		img.Close()
	}
}
