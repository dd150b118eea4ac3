package packages

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
)

// Java archives: the Maven coordinates in META-INF/maven/GROUP/ARTIFACT/pom.properties
// (and the licenses in the pom.xml beside it), in the archive and in the archives it holds
// (a war's WEB-INF/lib/*.jar, a Spring Boot jar's BOOT-INF/lib/*.jar), nested up to
// Limits.MaxNesting deep.

// isArchiveName reports whether an archive member is itself a Java archive.
func isArchiveName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".jar", ".war", ".ear", ".jpi", ".hpi":
		return true
	}
	return false
}

// zipSane checks an archive's end-of-central-directory record before archive/zip reads
// the directory: at most max entries, a directory inside the file.
func zipSane(r io.ReaderAt, size int64, max int) error {
	const eocdLen = 22
	if size < eocdLen {
		return fmt.Errorf("not a zip archive (%d bytes)", size)
	}
	tail := min(size, 65536+eocdLen)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(buf) {
		return fmt.Errorf("not a zip archive: no end of central directory")
	}
	e := buf[i:]
	entries := int64(binary.LittleEndian.Uint16(e[10:]))
	dirSize := int64(binary.LittleEndian.Uint32(e[12:]))
	if entries == 0xffff || dirSize == 0xffffffff {
		// zip64: the real counts are in the zip64 record the locator before this points at.
		if i < 20 || !bytes.HasPrefix(buf[i-20:], []byte("PK\x06\x07")) {
			return fmt.Errorf("zip64 archive without its locator")
		}
		at := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
		var z [56]byte
		if at < 0 || at+56 > size {
			return fmt.Errorf("zip64 record outside the archive")
		}
		if _, err := r.ReadAt(z[:], at); err != nil {
			return err
		}
		entries = int64(binary.LittleEndian.Uint64(z[32:]))
		dirSize = int64(binary.LittleEndian.Uint64(z[40:]))
	}
	if entries < 0 || entries > int64(max) {
		return limitErr("zip-entries", int64(max), "an archive of %d entries, more than %d", entries, max)
	}
	if dirSize < 0 || dirSize > size || dirSize > entries*(46+65535*3) {
		return fmt.Errorf("central directory of %d bytes", dirSize)
	}
	return nil
}

// jarMaxWarnings is how many warnings one archive (with the archives inside it) states;
// the rest are counted in one more.
const jarMaxWarnings = 20

// readJar returns the Maven artifacts of the archive at loc (and of the archives inside
// it), and the warnings about what could not be read. The artifact whose artifactId names
// the file (or the only one at its top level) owns the file's bytes.
//
// What the archives inside may inflate to in all is bounded (4 × (the archive's size +
// package-buffer)): entries sharing one compressed stream, or archives nesting archives
// of such entries, would otherwise inflate without end (a zip bomb). Past it the rest is
// skipped with a warning.
func readJar(r io.ReaderAt, size int64, loc string, depth int, lim Limits) ([]*pkgInfo, []string) {
	j := &jarWalk{lim: lim, budget: 4 * (size + lim.MaxBuffer)}
	if j.budget < 0 { // overflow: the limits are off
		j.budget = math.MaxInt64
	}
	out := j.read(r, size, loc, depth)
	if j.dropped > 0 {
		j.warns = append(j.warns, fmt.Sprintf("%s: %d more warnings about its entries", loc, j.dropped))
	}
	return out, j.warns
}

// jarWalk is one top-level archive's reading: its inflation budget and its warnings.
type jarWalk struct {
	lim     Limits
	budget  int64 // bytes the entries read may still inflate to
	warns   []string
	dropped int
}

func (j *jarWalk) warn(format string, args ...any) {
	if len(j.warns) >= jarMaxWarnings {
		j.dropped++
		return
	}
	j.warns = append(j.warns, fmt.Sprintf(format, args...))
}

var errJarBudget = errors.New("over the bytes the archive may inflate to")

func (j *jarWalk) read(r io.ReaderAt, size int64, loc string, depth int) []*pkgInfo {
	lim := j.lim
	if err := zipSane(r, size, lim.MaxZipFiles); err != nil {
		j.warn("%s: %v: skipped", loc, err)
		return nil
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		j.warn("%s: %v: skipped", loc, err)
		return nil
	}
	var out, top []*pkgInfo
	read := func(f *zip.File, max int64) ([]byte, error) {
		if f.UncompressedSize64 > uint64(max) {
			return nil, fmt.Errorf("%d bytes, more than %d", f.UncompressedSize64, max)
		}
		if j.budget <= 0 {
			return nil, errJarBudget
		}
		max = min(max, j.budget)
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, max+1))
		j.budget -= int64(len(b))
		if err == nil && int64(len(b)) > max {
			err = fmt.Errorf("more than %d bytes", max)
			if j.budget < 0 {
				err = errJarBudget
			}
		}
		return b, err
	}
	byName := map[string]*zip.File{}
	for _, f := range zr.File {
		byName[f.Name] = f
	}
	for _, f := range zr.File {
		name := f.Name
		switch {
		case strings.HasPrefix(name, "META-INF/maven/") && path.Base(name) == "pom.properties" && strings.Count(name, "/") == 4:
			b, err := read(f, 1<<20)
			if err != nil {
				j.warn("%s!%s: %v: skipped", loc, name, err)
				continue
			}
			props := parseProperties(b)
			g, a, v := props["groupId"], props["artifactId"], props["version"]
			if g == "" || a == "" || v == "" {
				j.warn("%s!%s: no groupId, artifactId or version: skipped", loc, name)
				continue
			}
			p := &pkgInfo{eco: Java, name: g + ":" + a, version: v, location: loc, installed: -1, namespace: g, key: "java|" + loc + "|" + g + ":" + a}
			if pom := byName[path.Dir(name)+"/pom.xml"]; pom != nil {
				if b, err := read(pom, 4<<20); err == nil {
					p.licenses = pomLicenses(b)
				}
			}
			out = append(out, p)
			top = append(top, p)
		case isArchiveName(name) && !strings.HasSuffix(name, "/"):
			if depth >= lim.MaxNesting {
				j.warn("%s!%s: archives nested deeper than %d: skipped", loc, name, lim.MaxNesting)
				continue
			}
			b, err := read(f, lim.MaxBuffer)
			if err != nil {
				j.warn("%s!%s: %v: skipped", loc, name, err)
				continue
			}
			out = append(out, j.read(bytes.NewReader(b), int64(len(b)), loc+"!"+name, depth+1)...)
		}
	}
	// The file's own artifact: the one its name starts with, else the only one.
	base := strings.ToLower(path.Base(loc))
	var own *pkgInfo
	for _, p := range top {
		if a := strings.ToLower(p.name[strings.IndexByte(p.name, ':')+1:]); strings.HasPrefix(base, a) {
			if own == nil || len(p.name) > len(own.name) {
				own = p
			}
		}
	}
	if own == nil && len(top) == 1 {
		own = top[0]
	}
	if own != nil && depth == 0 {
		own.files, own.hasFiles = []string{loc}, true
	}
	return out
}

// parseProperties reads a Java .properties file's key=value (or key: value) lines.
func parseProperties(b []byte) map[string]string {
	out := map[string]string{}
	for l := range strings.SplitSeq(string(b), "\n") {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		i := strings.IndexAny(l, "=:")
		if i < 0 {
			continue
		}
		out[strings.TrimSpace(l[:i])] = strings.TrimSpace(l[i+1:])
	}
	return out
}

// pomLicenses reads the license names of a pom.xml.
func pomLicenses(b []byte) []string {
	var pom struct {
		Licenses []struct {
			Name string `xml:"name"`
		} `xml:"licenses>license"`
	}
	if xml.Unmarshal(b, &pom) != nil {
		return nil
	}
	var out []string
	for _, l := range pom.Licenses {
		if n := strings.TrimSpace(l.Name); n != "" {
			out = append(out, n)
		}
	}
	return out
}
