// Command pkgshrink makes a small fixture of a legacy `docker save` archive for strata's
// packages tests: it keeps whole the files a package reader reads (package databases and
// metadata, os-release, package.json, jars) and of each ELF file only its headers, section
// table, section names and Go build info, and writes zeros over every other byte of file
// content, so that names, sizes, modes, hardlinks, whiteouts and layering stay exactly as
// the engine wrote them while the archive compresses to almost nothing. It then recomputes
// each layer's diff_id, the config (whose sha256 is the image ID) and manifest.json.
//
//	go run ./internal/testgen/cmd/pkgshrink IN.tar OUT.tar
package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pkgshrink IN.tar OUT.tar")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "pkgshrink:", err)
		os.Exit(1)
	}
}

type member struct {
	hdr  *tar.Header
	data []byte
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	var members []member
	byName := map[string]int{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		byName[hdr.Name] = len(members)
		members = append(members, member{hdr, b})
	}
	var manifest []map[string]any
	if err := json.Unmarshal(members[byName["manifest.json"]].data, &manifest); err != nil || len(manifest) != 1 {
		return fmt.Errorf("manifest.json: want one image: %v", err)
	}
	var diffIDs []string
	for _, l := range manifest[0]["Layers"].([]any) {
		i, ok := byName[l.(string)]
		if !ok {
			return fmt.Errorf("layer %s missing", l)
		}
		small, err := shrinkLayer(members[i].data)
		if err != nil {
			return fmt.Errorf("%s: %w", l, err)
		}
		members[i].data = small
		members[i].hdr.Size = int64(len(small))
		sum := sha256.Sum256(small)
		diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(sum[:]))
	}
	cfgName := manifest[0]["Config"].(string)
	ci := byName[cfgName]
	var cfg map[string]any
	if err := json.Unmarshal(members[ci].data, &cfg); err != nil {
		return err
	}
	cfg["rootfs"].(map[string]any)["diff_ids"] = diffIDs
	cb, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(cb)
	newCfg := hex.EncodeToString(sum[:]) + ".json"
	members[ci].data, members[ci].hdr.Size, members[ci].hdr.Name = cb, int64(len(cb)), newCfg
	manifest[0]["Config"] = newCfg
	mb, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	mi := byName["manifest.json"]
	members[mi].data, members[mi].hdr.Size = mb, int64(len(mb))

	o, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(o)
	for _, m := range members {
		if err := tw.WriteHeader(m.hdr); err != nil {
			return err
		}
		if _, err := tw.Write(m.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return o.Close()
}

// keep reports whether a file's content is what a package reader reads.
func keep(p string) bool {
	base := path.Base(p)
	switch {
	case p == "/var/lib/dpkg/status", p == "/var/lib/dpkg/diversions", strings.HasPrefix(p, "/var/lib/dpkg/status.d/"),
		strings.HasPrefix(p, "/var/lib/dpkg/info/") && strings.HasSuffix(p, ".list"):
		return true
	case strings.HasPrefix(p, "/var/lib/dpkg/"):
		return false // status-old, available, maintainer scripts, md5sums: not read
	case strings.HasPrefix(p, "/var/lib/rpm/"),
		strings.HasPrefix(p, "/usr/lib/sysimage/rpm/"), strings.HasPrefix(p, "/lib/apk/db/"),
		strings.HasPrefix(p, "/usr/lib/apk/db/"):
		return true
	case strings.Contains(p, ".dist-info/"), strings.Contains(p, ".egg-info"):
		return true
	case base == "package.json", base == "os-release", base == "debian_version",
		strings.HasPrefix(p, "/etc/") && strings.HasSuffix(base, "-release"):
		return true
	case strings.HasSuffix(base, ".jar"), strings.HasSuffix(base, ".war"), strings.HasSuffix(base, ".ear"):
		return true
	}
	return false
}

func shrinkLayer(layer []byte) ([]byte, error) {
	var out bytes.Buffer
	tr := tar.NewReader(bytes.NewReader(layer))
	tw := tar.NewWriter(&out)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag == tar.TypeReg && len(b) > 0 && !keep(path.Clean("/"+hdr.Name)) {
			b = zeroFill(b)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// zeroFill returns b with every byte zero, except, for an ELF file, the parts debug/buildinfo
// and go version -m read: the file header, the program and section headers, the section
// names and the .go.buildinfo section.
func zeroFill(b []byte) []byte {
	z := make([]byte, len(b))
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return z
	}
	defer ef.Close()
	if ef.Section(".go.buildinfo") == nil {
		return z
	}
	span := func(off, n uint64) {
		if off < uint64(len(b)) {
			end := min(off+n, uint64(len(b)))
			copy(z[off:end], b[off:end])
		}
	}
	var phoff, shoff uint64
	var phnum, shnum, phent, shent uint64
	switch ef.Class {
	case elf.ELFCLASS64:
		span(0, 64)
		bo := ef.ByteOrder
		phoff, shoff = bo.Uint64(b[32:]), bo.Uint64(b[40:])
		phent, phnum = uint64(bo.Uint16(b[54:])), uint64(bo.Uint16(b[56:]))
		shent, shnum = uint64(bo.Uint16(b[58:])), uint64(bo.Uint16(b[60:]))
	default:
		span(0, 52)
		bo := ef.ByteOrder
		phoff, shoff = uint64(bo.Uint32(b[28:])), uint64(bo.Uint32(b[32:]))
		phent, phnum = uint64(bo.Uint16(b[42:])), uint64(bo.Uint16(b[44:]))
		shent, shnum = uint64(bo.Uint16(b[46:])), uint64(bo.Uint16(b[48:]))
	}
	span(phoff, phent*phnum)
	span(shoff, shent*shnum)
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_STRTAB && s.Name == ".shstrtab" || s.Name == ".go.buildinfo" {
			span(s.Offset, s.FileSize)
		}
	}
	return z
}
