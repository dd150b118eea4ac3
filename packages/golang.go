package packages

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// readGoBinary returns a binary's Go build info, or nil when it is not a Go binary. An ELF
// file whose section table lacks .go.buildinfo is not one, and is not read further (a C
// program's data segment would be searched otherwise).
func readGoBinary(r io.ReaderAt, size int64) (bi *debug.BuildInfo, err error) {
	defer func() {
		if p := recover(); p != nil { // debug/elf on hostile input: a bad binary, not a crash
			bi, err = nil, fmt.Errorf("unreadable executable: %v", p)
		}
	}()
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, nil
	}
	if string(magic[:]) == "\x7fELF" {
		f, err := elf.NewFile(io.NewSectionReader(r, 0, size))
		if err != nil {
			return nil, nil // not an ELF file we can read: not a Go binary we can tell
		}
		if len(f.Sections) > 0 && f.Section(".go.buildinfo") == nil {
			return nil, nil
		}
	} else if !(magic[0] == 'M' && magic[1] == 'Z') && !isMachO(magic[:]) {
		return nil, nil
	}
	bi, err = buildinfo.Read(io.NewSectionReader(r, 0, size))
	if err != nil {
		if strings.Contains(err.Error(), "not a Go executable") || strings.Contains(err.Error(), "unrecognized file format") {
			return nil, nil
		}
		return nil, err
	}
	return bi, nil
}

func isMachO(m []byte) bool {
	switch binary.LittleEndian.Uint32(m) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe:
		return true
	}
	return false
}

// buildInfoMagic starts Go's build info blob (debug/buildinfo), 16-byte aligned.
var buildInfoMagic = []byte("\xff Go buildinf:")

// scanGoBinary finds the build info of a binary read as a stream (a layer that can only be
// read in order), for binaries too large to hold: the blob is searched at 16-byte aligned
// offsets, and only the inline form (Go 1.18 and later) is read; an older binary's
// pointers need the whole file, and it is reported as unreadable.
func scanGoBinary(r io.Reader) (*debug.BuildInfo, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != "\x7fELF" && !(magic[0] == 'M' && magic[1] == 'Z') && !isMachO(magic[:]) {
		return nil, nil
	}
	chunk := make([]byte, 256<<10)
	carry := append([]byte(nil), magic[:]...)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			carry = append(carry, chunk[:n]...)
			// Search whole 16-byte blocks, keeping the tail that may start a match.
			for i := 0; i+32 <= len(carry); i += 16 {
				if bytes.HasPrefix(carry[i:], buildInfoMagic) { // carry starts 16-byte aligned
					if carry[i+15]&2 == 0 {
						return nil, errors.New("a Go binary built before Go 1.18, too large to read from a stream")
					}
					return readInlineBuildInfo(io.MultiReader(bytes.NewReader(carry[i+32:]), r))
				}
			}
			if keep := len(carry) - 32; keep > 0 {
				keep -= keep % 16
				carry = append(carry[:0], carry[keep:]...)
			}
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readInlineBuildInfo reads the two length-prefixed strings after the blob's header: the
// Go version and the module info (between 16-byte sentinels).
func readInlineBuildInfo(r io.Reader) (*debug.BuildInfo, error) {
	br := &byteReader{r: r}
	str := func() (string, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil || n > 16<<20 {
			return "", errors.New("bad Go build info")
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return string(b), nil
	}
	vers, err := str()
	if err != nil {
		return nil, err
	}
	mod, err := str()
	if err != nil {
		return nil, err
	}
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16]
	} else {
		mod = ""
	}
	bi, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil, err
	}
	bi.GoVersion = vers
	return bi, nil
}

type byteReader struct{ r io.Reader }

func (b *byteReader) ReadByte() (byte, error) {
	var c [1]byte
	_, err := io.ReadFull(b.r, c[:])
	return c[0], err
}

// goPackages turns a binary's build info into packages: the main module (the binary is its
// file), each dependency (a replacement's path and version when it has one), and the
// toolchain's standard library as "stdlib".
func goPackages(bi *debug.BuildInfo, loc string) []*pkgInfo {
	arch := ""
	for _, s := range bi.Settings {
		if s.Key == "GOARCH" {
			arch = s.Value
		}
	}
	mk := func(name, ver string) *pkgInfo {
		return &pkgInfo{eco: Go, name: name, version: ver, arch: arch, location: loc, installed: -1, key: "go|" + loc + "|" + name}
	}
	var out []*pkgInfo
	main := bi.Main.Path
	if main == "" {
		main = bi.Path
	}
	if main != "" {
		p := mk(main, bi.Main.Version)
		p.files, p.hasFiles = []string{loc}, true
		out = append(out, p)
	}
	for _, d := range bi.Deps {
		name, ver := d.Path, d.Version
		if d.Replace != nil && d.Replace.Version != "" {
			name, ver = d.Replace.Path, d.Replace.Version
		}
		out = append(out, mk(name, ver))
	}
	if bi.GoVersion != "" {
		out = append(out, mk("stdlib", bi.GoVersion))
	}
	return out
}
