package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-dev/strata/internal/testgen"
)

// members reads a tar whole, by name.
func members(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if out[h.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
}

// TestShrink: what a package reader reads stays byte for byte, every other file's bytes
// become zeros at the same size, a Go binary keeps its build info, and the archive stays
// consistent (each layer's sha256 is its diff_id, the config's is the image ID that
// manifest.json names).
func TestShrink(t *testing.T) {
	self, err := os.Executable() // a Go binary, with build info
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	want, err := buildinfo.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	status := []byte("Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n\n")
	img := testgen.Image{Tags: []string{"shrink:1"}, Layers: []testgen.Layer{
		{Entries: []testgen.Entry{
			{Name: "var/lib/dpkg/status", Content: status},
			{Name: "var/lib/dpkg/info/a.list", Content: []byte("/usr/bin/blob\n")},
			{Name: "var/lib/dpkg/info/a.postinst", Content: []byte("#!/bin/sh\n")},
			{Name: "usr/bin/blob", Content: []byte("not a package database")},
		}},
		{Entries: []testgen.Entry{
			{Name: "usr/bin/app", Content: exe},
			{Name: "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", Content: []byte("Name: six\nVersion: 1.16.0\n")},
		}},
	}}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.tar"), filepath.Join(dir, "out.tar")
	var b bytes.Buffer
	if err := testgen.WriteDockerArchive(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	ob, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := members(t, ob)
	var manifest []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(m["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: %v", err)
	}
	cfg := m[manifest[0].Config]
	sum := sha256.Sum256(cfg)
	if got := hex.EncodeToString(sum[:]) + ".json"; got != manifest[0].Config {
		t.Errorf("config %s has sha256 %s", manifest[0].Config, got)
	}
	var c struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(cfg, &c); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for i, l := range manifest[0].Layers {
		sum := sha256.Sum256(m[l])
		if got := "sha256:" + hex.EncodeToString(sum[:]); i >= len(c.RootFS.DiffIDs) || got != c.RootFS.DiffIDs[i] {
			t.Errorf("layer %d: sha256 %s, diff_ids %v", i, got, c.RootFS.DiffIDs)
		}
		for name, data := range members(t, m[l]) {
			files[strings.TrimPrefix(name, "./")] = data
		}
	}
	for name, keep := range map[string]bool{
		"var/lib/dpkg/status":          true,
		"var/lib/dpkg/info/a.list":     true,
		"var/lib/dpkg/info/a.postinst": false,
		"usr/bin/blob":                 false,
		"usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA": true,
	} {
		var orig []byte
		for _, l := range img.Layers {
			for _, e := range l.Entries {
				if e.Name == name {
					orig = e.Content
				}
			}
		}
		got, ok := files[name]
		switch {
		case !ok:
			t.Errorf("%s: missing", name)
		case keep && !bytes.Equal(got, orig):
			t.Errorf("%s: changed, want kept", name)
		case !keep && (len(got) != len(orig) || bytes.Count(got, []byte{0}) != len(got)):
			t.Errorf("%s: %d bytes %q, want %d zeros", name, len(got), got, len(orig))
		}
	}
	app := files["usr/bin/app"]
	if len(app) != len(exe) || bytes.Count(app, []byte{0}) < len(app)/2 {
		t.Errorf("the binary: %d bytes (want %d), mostly zeros", len(app), len(exe))
	}
	bi, err := buildinfo.Read(bytes.NewReader(app))
	if err != nil {
		t.Fatalf("the shrunk binary's build info: %v", err)
	}
	if bi.GoVersion != want.GoVersion || bi.Path != want.Path || bi.Main.Path != want.Main.Path {
		t.Errorf("build info %s %s %s, want %s %s %s", bi.GoVersion, bi.Path, bi.Main.Path, want.GoVersion, want.Path, want.Main.Path)
	}
}
