package testgen

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLargeBoundedMemory writes a ~600 MB docker archive of Large to disk and checks that the
// heap stayed small, that every layer.tar hashes to its diff_id, and the image's shape.
// STRATA_TESTGEN_LARGE_MB overrides the size (e.g. 1024 to measure a 1 GB image by hand).
func TestLargeBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 600 MB archive")
	}
	mb := int64(600)
	if v, err := strconv.ParseInt(os.Getenv("STRATA_TESTGEN_LARGE_MB"), 10, 64); err == nil && v > 0 {
		mb = v
	}
	img := Large(LargeOpts{TotalBytes: mb << 20})
	files, deleted := 0, 0
	for _, l := range img.Layers {
		for _, e := range l.Entries {
			switch {
			case strings.Contains(e.Name, ".wh.file"):
				deleted++
			case e.Type == tar.TypeReg && !strings.Contains(e.Name, ".wh."):
				files++
			}
		}
	}
	if files < 50000 || deleted < 1000 {
		t.Errorf("Large: %d files, %d deletions", files, deleted)
	}

	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak {
				peak = m.HeapInuse
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	name := filepath.Join(t.TempDir(), "large.tar")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = WriteDockerArchive(f, img)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(name)
	t.Logf("wrote %d MB in %v, peak heap in use %d MB", fi.Size()>>20, time.Since(start).Round(time.Millisecond), peak>>20)
	if fi.Size() < mb<<20 {
		t.Errorf("archive is %d bytes", fi.Size())
	}
	if peak > 128<<20 {
		t.Errorf("peak heap in use %d MB: layers are being held in memory", peak>>20)
	}

	// Every layer.tar hashes to its diff_id.
	rf, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	sums := map[string]string{}
	var manifest []legacyItem
	configs := map[string][]byte{}
	tr := tar.NewReader(rf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(h.Name, "/layer.tar"):
			s := sha256.New()
			if _, err := io.Copy(s, tr); err != nil {
				t.Fatal(err)
			}
			sums[h.Name] = hex.EncodeToString(s.Sum(nil))
		case strings.HasSuffix(h.Name, ".json"):
			p, _ := io.ReadAll(tr)
			configs[h.Name] = p
		}
	}
	if err := json.Unmarshal(configs["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: %v %s", err, configs["manifest.json"])
	}
	var cfg struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(configs[manifest[0].Config], &cfg); err != nil {
		t.Fatal(err)
	}
	for i, l := range manifest[0].Layers {
		if "sha256:"+sums[l] != cfg.RootFS.DiffIDs[i] {
			t.Errorf("layer %d: sha256 %s, diff_id %s", i, sums[l], cfg.RootFS.DiffIDs[i])
		}
	}
}

func BenchmarkWriteDockerArchive64MB(b *testing.B) {
	img := Large(LargeOpts{TotalBytes: 64 << 20, Files: 5000, Deleted: 200})
	b.SetBytes(64 << 20)
	for b.Loop() {
		if err := WriteDockerArchive(io.Discard, img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteContainerdArchive64MB(b *testing.B) {
	for _, comp := range []string{Gzip, Zstd} {
		b.Run(comp, func(b *testing.B) {
			img := Large(LargeOpts{TotalBytes: 64 << 20, Files: 5000, Deleted: 200, Compression: comp, Compressible: true})
			b.SetBytes(64 << 20)
			for b.Loop() {
				if err := WriteContainerdArchive(io.Discard, Index{Tags: []string{"large:1"}, Images: []Image{img}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
