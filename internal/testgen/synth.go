package testgen

import (
	"bytes"
	"io"
)

// SynthFile is one committed fixture of testdata/synth.
type SynthFile struct {
	Name  string
	Write func(io.Writer) error
}

// MultiImages are the two images of multi.tar: base:1 (the small image's first layer) and app:1
// (the small image), so the base layer is base:1's top layer and a lower layer of app:1.
func MultiImages() []Image {
	amd := Small("amd64")
	base := Image{
		Layers:  SmallLayers("amd64")[:1],
		Created: amd.History[0].Created.Time,
		Tags:    []string{"base:1"},
		Config: v1Config(
			[]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			[]string{"/bin/sh"},
		),
	}
	base.Layers[0].CreatedBy = amd.History[0].CreatedBy
	amd.Tags = []string{"app:1"}
	return []Image{base, amd}
}

// SynthFiles lists the fixtures of testdata/synth that are single files written in-process, in
// the order gensynth writes them. whiteouts.tar.bz2 (needs the bzip2 program) and the
// oci-layout/ directory (WriteOCILayout(dir, Small("amd64"))) are written by gensynth itself.
func SynthFiles() []SynthFile {
	whiteouts := func() ([]byte, error) {
		var b bytes.Buffer
		err := WriteDockerArchive(&b, Whiteouts())
		return b.Bytes(), err
	}
	compressed := func(alg string) func(io.Writer) error {
		return func(w io.Writer) error {
			p, err := whiteouts()
			if err != nil {
				return err
			}
			zw, err := Compress(w, alg)
			if err != nil {
				return err
			}
			if _, err := zw.Write(p); err != nil {
				return err
			}
			return zw.Close()
		}
	}
	return []SynthFile{
		{"whiteouts.tar", func(w io.Writer) error { return WriteDockerArchive(w, Whiteouts()) }},
		{"whiteouts.tar.gz", compressed(Gzip)},
		{"whiteouts.tar.zst", compressed(Zstd)},
		{"whiteouts.tar.xz", compressed(Xz)},
		{"docker25.tar", func(w io.Writer) error { return WriteDocker25Archive(w, Small("amd64")) }},
		{"containerd.tar", func(w io.Writer) error { return WriteContainerdArchive(w, SmallIndex()) }},
		{"oci.tar", func(w io.Writer) error { return WriteOCIArchive(w, Small("amd64")) }},
		{"skopeo.tar", func(w io.Writer) error { return WriteSkopeoDockerArchive(w, Small("amd64")) }},
		{"rootfs.tar", func(w io.Writer) error { return WriteRootfs(w, SmallExport()) }},
		{"multi.tar", func(w io.Writer) error { return WriteDockerArchive(w, MultiImages()...) }},
	}
}
