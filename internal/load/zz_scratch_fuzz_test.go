package load

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/ulikunitz/xz"
)

func memNow() (uint64, uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc, m.Sys
}

func TestScratchXZDict(t *testing.T) {
	var buf bytes.Buffer
	w, _ := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&buf)
	w.Write(bytes.Repeat([]byte{0}, 10240))
	w.Close()
	b := buf.Bytes()
	// block header at offset 12
	hs := (int(b[12]) + 1) * 4
	hdr := b[12 : 12+hs]
	t.Logf("block header % x", hdr)
	// find 0x21 0x01 filter
	i := bytes.Index(hdr, []byte{0x21, 0x01})
	hdr[i+2] = 40 // 4 GiB - 1
	binary.LittleEndian.PutUint32(hdr[hs-4:], crc32.ChecksumIEEE(hdr[:hs-4]))
	a0, s0 := memNow()
	st := time.Now()
	_, err := Open(context.Background(), Stdin, bytes.NewReader(b), Options{})
	a1, s1 := memNow()
	t.Logf("xz %d bytes: %v; alloc +%d MiB, sys +%d MiB, %v", len(b), err, (a1-a0)>>20, (s1-s0)>>20, time.Since(st))
}

func TestScratchZstdWindow(t *testing.T) {
	var b []byte
	b = append(b, 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xA0)
	// many raw blocks of 128KiB
	blk := make([]byte, 128<<10)
	for k := 0; k < 8; k++ {
		last := 0
		if k == 7 {
			last = 1
		}
		h := uint32(len(blk))<<3 | uint32(last)
		b = append(b, byte(h), byte(h>>8), byte(h>>16))
		b = append(b, blk...)
	}
	a0, s0 := memNow()
	st := time.Now()
	_, err := Open(context.Background(), Stdin, bytes.NewReader(b), Options{})
	a1, s1 := memNow()
	t.Logf("zstd %d bytes: %v; alloc +%d MiB, sys +%d MiB, %v", len(b), err, (a1-a0)>>20, (s1-s0)>>20, time.Since(st))
	_ = io.EOF
}
