package testgen

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// LargeOpts sizes the image Large builds. Zero fields take the defaults.
type LargeOpts struct {
	TotalBytes   int64  // sum of regular-file sizes over all layers; default 512 MiB
	Files        int    // regular files over all layers (whiteouts not counted); default 50,000
	Layers       int    // default 5, at least 3
	Deleted      int    // base files deleted one by one with `.wh.` in the top layer; default 1,000
	Compression  string // Layer.Compression of every layer
	Compressible bool   // text-like content instead of random bytes
	Tag          string // default "large:1"
	Seed         string // varies names' sizes and content; default "large"
}

func (o *LargeOpts) defaults() {
	if o.TotalBytes <= 0 {
		o.TotalBytes = 512 << 20
	}
	if o.Files <= 0 {
		o.Files = 50000
	}
	if o.Layers < 3 {
		o.Layers = 5
	}
	if o.Deleted <= 0 {
		o.Deleted = 1000
	}
	if o.Tag == "" {
		o.Tag = "large:1"
	}
	if o.Seed == "" {
		o.Seed = "large"
	}
}

// Large builds a big image for benchmarks: a base layer with half the files and bytes under
// usr/lib/pkgNNNN/ (100 files per directory), middle layers adding files under opt/layerN/ and
// overwriting every 10th base file of a slice of the base (new content), and a top layer that
// deletes Deleted base files with individual whiteouts, deletes the whole usr/lib/pkg0000/ subtree
// with one whiteout, makes usr/lib/pkg0001/ opaque (marker after new children) and adds the
// remaining files. File sizes are skewed (most small, a few large) and sum to TotalBytes
// exactly; content is generated while writing, so the Image itself is small.
func Large(opts LargeOpts) Image {
	opts.defaults()
	sum := sha256.Sum256([]byte(opts.Seed))
	rng := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
	nBase := opts.Files / 2
	nTop := opts.Files / 10
	nMid := opts.Files - nBase - nTop
	middles := opts.Layers - 2
	if need := 200 + opts.Deleted; nBase < need+need/5 {
		nBase = need + need/5
	}

	// Sizes: weights 1 (80%), 16 (18%), 512 (2%), scaled to the byte budget.
	weights := make([]int64, opts.Files+nBase)
	var sumW int64
	for i := range weights {
		r := rng.IntN(100)
		w := int64(1)
		switch {
		case r >= 98:
			w = 512
		case r >= 80:
			w = 16
		}
		weights[i] = w
		sumW += w
	}
	var assigned int64
	next := 0
	size := func() int64 {
		w := weights[next%len(weights)]
		next++
		s := opts.TotalBytes * w / sumW
		assigned += s
		return s
	}

	file := func(name, seed string) Entry {
		e := Entry{Name: name, Type: tar.TypeReg, Mode: 0o644, Size: size(), Seed: opts.Seed + ":" + seed, Compressible: opts.Compressible}
		if next%13 == 0 {
			e.Mode = 0o755
		}
		return e
	}
	layer := func(by string, entries []Entry) Layer {
		return Layer{Entries: entries, Compression: opts.Compression, CreatedBy: by}
	}

	// Base layer.
	base := []Entry{Dir("usr/"), Dir("usr/lib/")}
	var baseFiles []string
	for i := 0; i < nBase; i++ {
		if i%100 == 0 {
			base = append(base, Dir(fmt.Sprintf("usr/lib/pkg%04d/", i/100)))
		}
		name := fmt.Sprintf("usr/lib/pkg%04d/file%04d.dat", i/100, i%100)
		base = append(base, file(name, name))
		baseFiles = append(baseFiles, name)
	}
	layers := []Layer{layer("ADD base.tar / # testgen.Large", base)}

	// Middle layers: new files plus overwrites of base files in pkg0002.. (every 10th file).
	perMid := nMid / middles
	ow := 0
	for m := 1; m <= middles; m++ {
		n := perMid
		if m == middles {
			n = nMid - perMid*(middles-1)
		}
		entries := []Entry{Dir("opt/"), Dir(fmt.Sprintf("opt/layer%d/", m))}
		over := n / 5
		for i := 0; i < n-over; i++ {
			if i%100 == 0 {
				entries = append(entries, Dir(fmt.Sprintf("opt/layer%d/d%04d/", m, i/100)))
			}
			name := fmt.Sprintf("opt/layer%d/d%04d/f%04d.bin", m, i/100, i%100)
			entries = append(entries, file(name, name))
		}
		for i := 0; i < over; i++ {
			idx := 200 + ow*10
			if idx >= len(baseFiles) {
				idx = 200 + (ow*10)%(len(baseFiles)-200)
			}
			ow++
			name := baseFiles[idx]
			entries = append(entries, file(name, fmt.Sprintf("%s@layer%d", name, m)))
		}
		layers = append(layers, layer(fmt.Sprintf("RUN build step %d # testgen.Large", m), entries))
	}

	// Top layer: deletions, a deleted subtree, an opaque directory, new files.
	top := []Entry{Dir("usr/"), Dir("usr/lib/"), Whiteout("usr/lib/pkg0000")}
	top = append(top, Dir("usr/lib/pkg0001/"))
	top = append(top, file("usr/lib/pkg0001/replacement.dat", "usr/lib/pkg0001/replacement.dat"))
	top = append(top, Opaque("usr/lib/pkg0001"))
	deleted := 0
	for i := 200; i < len(baseFiles) && deleted < opts.Deleted; i++ {
		if i%10 == 0 { // every 10th may have been overwritten: leave those
			continue
		}
		top = append(top, Whiteout(baseFiles[i]))
		deleted++
	}
	top = append(top, Dir("srv/"))
	for i := 0; i < nTop-1; i++ {
		if i%100 == 0 {
			top = append(top, Dir(fmt.Sprintf("srv/d%04d/", i/100)))
		}
		name := fmt.Sprintf("srv/d%04d/f%04d.txt", i/100, i%100)
		top = append(top, file(name, name))
	}
	// Give the last top-layer file the remainder so sizes sum to TotalBytes exactly.
	last := file("srv/last.bin", "srv/last.bin")
	last.Size += opts.TotalBytes - assigned
	top = append(top, last)
	layers = append(layers, layer("RUN cleanup # testgen.Large", top))

	return Image{
		Layers: layers,
		Config: v1.Config{
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd: []string{"/bin/sh"},
		},
		Tags: []string{opts.Tag},
	}
}
