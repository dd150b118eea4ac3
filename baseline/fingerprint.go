package baseline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"path"
	"sort"

	"github.com/strata-dev/strata/internal/image"
)

// fingerprintPrefix versions the fingerprint encoding.
const fingerprintPrefix = "strata layer fingerprint v1\n"

// Fingerprint is "sha256:<hex>" over the layer's entries sorted by path (entries of one
// path in tar order), each encoded as its path, type, whiteout kind, permission bits,
// uid, gid, size, link target, device numbers, security.capability xattr, sparse flag and,
// for a regular file, the ContentHash digest of its content from sums. Modification times
// (and the user and group names, the tar format, PAX records) are left out, so a rebuild
// that changed only timestamps keeps its fingerprint while its diff_id changes. sums maps
// each regular file to its digest, as content.Digests returns them.
func Fingerprint(l *image.Layer, sums map[*image.Entry]string) string {
	order := make([]int, len(l.Entries))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return l.Entries[order[i]].Path < l.Entries[order[j]].Path })
	h := sha256.New()
	h.Write([]byte(fingerprintPrefix))
	var buf [binary.MaxVarintLen64]byte
	num := func(n int64) { h.Write(buf[:binary.PutVarint(buf[:], n)]) }
	str := func(s string) { num(int64(len(s))); h.Write([]byte(s)) }
	for _, i := range order {
		e := &l.Entries[i]
		str(e.Path)
		num(int64(e.Type))
		num(int64(e.Whiteout))
		num(int64(e.Mode))
		num(int64(e.UID))
		num(int64(e.GID))
		num(e.Size)
		str(e.Link())
		major, minor := e.Device()
		num(int64(major))
		num(int64(minor))
		str(e.Caps())
		if e.Sparse {
			num(1)
		} else {
			num(0)
		}
		if e.Type == image.TypeFile && e.Whiteout == image.NotWhiteout {
			str(sums[e])
		} else {
			str("")
		}
	}
	return sum(h)
}

func sum(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

// summary returns a layer's nFiles largest regular files (largest first, then by path)
// and its nDirs heaviest directories: by bytes below them, counting only directories no
// single subdirectory dominates (holds half or more of their bytes), the root excluded.
func summary(l *image.Layer, nFiles, nDirs int) ([]File, []Dir) {
	files := layerFiles(l)
	list := make([]File, 0, len(files))
	for p, size := range files {
		if size > 0 {
			list = append(list, File{Path: p, Size: size})
		}
	}
	sort.Slice(list, func(i, j int) bool { return biggerFile(list[i], list[j]) })
	if len(list) > nFiles {
		list = list[:nFiles]
	}
	return list, heavyDirs(dirTotals(files), nDirs)
}

func biggerFile(a, b File) bool {
	if a.Size != b.Size {
		return a.Size > b.Size
	}
	return a.Path < b.Path
}

// layerFiles maps each regular file the layer writes to its size (the last entry of a path
// wins, as on extraction).
func layerFiles(l *image.Layer) map[string]int64 {
	out := make(map[string]int64)
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Whiteout != image.NotWhiteout {
			continue
		}
		if e.Type == image.TypeFile {
			out[e.Path] = e.Size
		} else {
			delete(out, e.Path)
		}
	}
	return out
}

// dirStat is a directory's totals in one layer.
type dirStat struct {
	size     int64
	files    int
	maxChild int64 // bytes of its heaviest subdirectory
}

// dirTotals adds each file's size to every directory above it.
func dirTotals(files map[string]int64) map[string]*dirStat {
	dirs := map[string]*dirStat{}
	for p, size := range files {
		for d := path.Dir(p); ; d = path.Dir(d) {
			s := dirs[d]
			if s == nil {
				s = &dirStat{}
				dirs[d] = s
			}
			s.size += size
			s.files++
			if d == "/" {
				break
			}
		}
	}
	for d, s := range dirs {
		if d != "/" {
			if p := dirs[path.Dir(d)]; p.maxChild < s.size {
				p.maxChild = s.size
			}
		}
	}
	return dirs
}

// heavyDirs picks the n directories with the most bytes that no subdirectory dominates.
func heavyDirs(dirs map[string]*dirStat, n int) []Dir {
	list := []Dir{}
	for d, s := range dirs {
		if d == "/" || s.size == 0 || 2*s.maxChild >= s.size {
			continue
		}
		list = append(list, Dir{Path: d, Size: s.size, Files: s.files})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Size != list[j].Size {
			return list[i].Size > list[j].Size
		}
		return list[i].Path < list[j].Path
	})
	if len(list) > n {
		list = list[:n]
	}
	return list
}
