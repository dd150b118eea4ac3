package testgen

import (
	"os"
	"strconv"
	"strings"
)

// NaiveHeaderScan visits every header of a docker save between off and end the naive way:
// one pread of 512 bytes per header, bodies skipped by their octal size, layer members
// (…/layer.tar) scanned the same way unless inner. It knows nothing of PAX, GNU or sparse
// members: the floor the benchmarks hold strata's scanner and inspect to. n counts headers.
func NaiveHeaderScan(f *os.File, off, end int64, inner bool) (n int, err error) {
	blk := make([]byte, 512)
	for off+512 <= end {
		if _, err := f.ReadAt(blk, off); err != nil {
			return n, err
		}
		if blk[0] == 0 {
			return n, nil
		}
		size, _ := strconv.ParseInt(strings.Trim(string(blk[124:136]), " \x00"), 8, 64)
		name := string(blk[:100])
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		n++
		off += 512
		if !inner && strings.HasSuffix(name, "/layer.tar") {
			k, err := NaiveHeaderScan(f, off, off+size, true)
			n += k
			if err != nil {
				return n, err
			}
		}
		off += (size + 511) &^ 511
	}
	return n, nil
}
