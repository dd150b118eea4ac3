package testgen

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/ulikunitz/xz"
)

type legacyItem struct {
	Config       string
	RepoTags     []string
	Layers       []string
	LayerSources map[string]v1.Descriptor
}

func TestWriteLayerHashes(t *testing.T) {
	entries := append(WhiteoutsLayers()[0].Entries, BigFile("big.bin", 3<<20), Entry{Name: "text", Size: 10000, Compressible: true})
	var plain bytes.Buffer
	if err := WriteLayerTar(&plain, entries); err != nil {
		t.Fatal(err)
	}
	for _, comp := range []string{None, Gzip, Zstd} {
		var blob bytes.Buffer
		info, err := WriteLayer(&blob, entries, comp)
		if err != nil {
			t.Fatal(err)
		}
		un, got := decompress(t, blob.Bytes())
		if got != comp {
			t.Errorf("%s: blob sniffed as %s", comp, got)
		}
		if !bytes.Equal(un, plain.Bytes()) {
			t.Errorf("%s: decompressed blob differs from WriteLayerTar output", comp)
		}
		if info.DiffID.Hex != sha256hex(plain.Bytes()) || info.TarSize != int64(plain.Len()) {
			t.Errorf("%s: diff_id %s size %d, want sha256 of tar %s size %d", comp, info.DiffID.Hex, info.TarSize, sha256hex(plain.Bytes()), plain.Len())
		}
		if info.Digest.Hex != sha256hex(blob.Bytes()) || info.Size != int64(blob.Len()) {
			t.Errorf("%s: digest %s size %d, want %s size %d", comp, info.Digest, info.Size, sha256hex(blob.Bytes()), blob.Len())
		}
	}
	// Generated content is what ContentReader says, and Seed changes it.
	hs := tarHeaders(t, plain.Bytes())
	if hs[len(hs)-2].Name != "big.bin" || hs[len(hs)-2].Size != 3<<20 {
		t.Errorf("big.bin header %+v", hs[len(hs)-2])
	}
	a, _ := io.ReadAll(ContentReader(Entry{Name: "x", Size: 100}))
	b, _ := io.ReadAll(ContentReader(Entry{Name: "x", Size: 100, Seed: "other"}))
	c, _ := io.ReadAll(ContentReader(Entry{Name: "y", Size: 100, Seed: "x"}))
	if len(a) != 100 || bytes.Equal(a, b) || !bytes.Equal(a, c) {
		t.Errorf("generated content not seeded as documented")
	}
}

func TestLayerEntriesVerbatim(t *testing.T) {
	var p bytes.Buffer
	if err := WriteLayerTar(&p, WhiteoutsLayers()[0].Entries); err != nil {
		t.Fatal(err)
	}
	hs := tarHeaders(t, p.Bytes())
	byName := map[string]*tar.Header{}
	for _, h := range hs {
		byName[h.Name] = h
	}
	for name, mode := range map[string]int64{"./": 0o40755, "./bin/su": 0o104755, "./tmp/": 0o41777, "./dev/null": 0o20666} {
		if h := byName[name]; h == nil || h.Mode != mode {
			t.Errorf("%s: header %+v, want mode %o", name, h, mode)
		}
	}
	if h := byName["./dev/null"]; h.Typeflag != tar.TypeChar || h.Devmajor != 1 || h.Devminor != 3 {
		t.Errorf("./dev/null = %+v", h)
	}
	if h := byName["./etc/shadow"]; h.Gid != 42 || h.Format != tar.FormatGNU {
		t.Errorf("./etc/shadow = %+v", h)
	}

	p.Reset()
	if err := WriteLayerTar(&p, WhiteoutsLayers()[1].Entries); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range tarHeaders(t, p.Bytes()) {
		names = append(names, h.Name)
	}
	// Duplicates, absolute names and the opaque marker after its siblings survive as written.
	if n := strings.Count(strings.Join(names, "\n"), "etc/hostname"); n != 2 {
		t.Errorf("etc/hostname appears %d times", n)
	}
	idx := func(s string) int {
		for i, n := range names {
			if n == s {
				return i
			}
		}
		t.Fatalf("no %s in %v", s, names)
		return -1
	}
	_ = idx("/etc/abs.conf")
	if idx("opt/app/.wh..wh..opq") < idx("opt/app/newdir/n.txt") {
		t.Errorf("opaque marker is not after its siblings")
	}
	if idx("srv/.wh.data") > idx("srv/data/") {
		t.Errorf("srv/.wh.data must precede the recreated srv/data/")
	}
}

func TestDockerArchive(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDockerArchive(&buf, Whiteouts()); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	n := len(a.order)
	if a.order[n-2] != "manifest.json" || a.order[n-1] != "repositories" {
		t.Errorf("last members %v, want manifest.json, repositories", a.order[n-2:])
	}
	if !sort.StringsAreSorted(a.order) {
		t.Errorf("members not sorted: %v", a.order)
	}
	for _, name := range a.order {
		h := a.members[name].hdr
		want := int64(0o100644)
		if h.Typeflag == tar.TypeDir {
			want = 0o40755
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o (Docker <= 23 type bits)", name, h.Mode, want)
		}
	}
	var items []legacyItem
	a.json(t, "manifest.json", &items)
	if len(items) != 1 || len(items[0].Layers) != 3 || !cmp.Equal(items[0].RepoTags, []string{"whiteouts:1"}) {
		t.Fatalf("manifest.json = %+v", items)
	}
	cfgRaw := a.get(t, items[0].Config)
	if items[0].Config != sha256hex(cfgRaw)+".json" {
		t.Errorf("config %s does not hash to its name", items[0].Config)
	}
	var cfg v1.ConfigFile
	a.json(t, items[0].Config, &cfg)
	if len(cfg.RootFS.DiffIDs) != 3 || len(cfg.History) != 3 || cfg.OS != "linux" || cfg.Architecture != "amd64" {
		t.Fatalf("config = %+v", cfg)
	}
	for i, l := range items[0].Layers {
		if got := sha256hex(a.get(t, l)); got != cfg.RootFS.DiffIDs[i].Hex {
			t.Errorf("layer %d: sha256(%s) = %s, diff_id %s", i, l, got, cfg.RootFS.DiffIDs[i].Hex)
		}
		id := strings.TrimSuffix(l, "/layer.tar")
		if string(a.get(t, id+"/VERSION")) != "1.0" {
			t.Errorf("%s/VERSION", id)
		}
		var j map[string]any
		a.json(t, id+"/json", &j)
		if j["id"] != id {
			t.Errorf("%s/json id = %v", id, j["id"])
		}
		if i > 0 && j["parent"] != strings.TrimSuffix(items[0].Layers[i-1], "/layer.tar") {
			t.Errorf("%s/json parent = %v", id, j["parent"])
		}
	}
	var repos map[string]map[string]string
	a.json(t, "repositories", &repos)
	top := strings.TrimSuffix(items[0].Layers[2], "/layer.tar")
	if repos["whiteouts"]["1"] != top {
		t.Errorf("repositories = %v, want whiteouts:1 -> %s", repos, top)
	}

	// Deterministic.
	var again bytes.Buffer
	if err := WriteDockerArchive(&again, Whiteouts()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("two writes of the same image differ")
	}
}

func TestDockerArchiveSharedLayerSymlink(t *testing.T) {
	small := Small("amd64")
	small.Tags = []string{"app:1"}
	base := Image{Layers: SmallLayers("amd64")[:1], Tags: []string{"docker.io/library/base:1"}}
	untagged := Small("arm64")
	untagged.Tags = nil
	var buf bytes.Buffer
	if err := WriteDockerArchive(&buf, base, small, untagged); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	var items []legacyItem
	a.json(t, "manifest.json", &items)
	if len(items) != 3 {
		t.Fatalf("%d manifest items", len(items))
	}
	if !cmp.Equal(items[0].RepoTags, []string{"base:1"}) || !cmp.Equal(items[1].RepoTags, []string{"app:1"}) || items[2].RepoTags != nil {
		t.Errorf("RepoTags: %v %v %v", items[0].RepoTags, items[1].RepoTags, items[2].RepoTags)
	}
	baseLayer, appLayer0 := items[0].Layers[0], items[1].Layers[0]
	if baseLayer == appLayer0 {
		t.Fatalf("base's top layer and app's bottom layer should have different v1 IDs")
	}
	h := a.members[appLayer0].hdr
	if h.Typeflag != tar.TypeSymlink || h.Linkname != "../"+baseLayer {
		t.Errorf("%s: type %c -> %q, want symlink to ../%s", appLayer0, h.Typeflag, h.Linkname, baseLayer)
	}
	if a.members[baseLayer].hdr.Typeflag != tar.TypeReg {
		t.Errorf("%s is not a regular file", baseLayer)
	}
	var repos map[string]map[string]string
	a.json(t, "repositories", &repos)
	if len(repos) != 2 || repos["base"]["1"] == "" || repos["app"]["1"] == "" {
		t.Errorf("repositories = %v", repos)
	}
}

func TestDocker25Archive(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDocker25Archive(&buf, Small("amd64")); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	wantTail := []string{"index.json", "manifest.json", "oci-layout", "repositories"}
	if got := a.order[len(a.order)-4:]; !cmp.Equal(got, wantTail) {
		t.Errorf("last members %v, want %v", got, wantTail)
	}
	if a.order[0] != "blobs/" || a.order[1] != "blobs/sha256/" {
		t.Errorf("first members %v", a.order[:2])
	}
	checkBlobNames(t, a)
	var items []legacyItem
	a.json(t, "manifest.json", &items)
	if len(items) != 1 || !cmp.Equal(items[0].RepoTags, []string{"app:1", "app:latest"}) {
		t.Fatalf("manifest.json = %+v", items)
	}
	var cfg v1.ConfigFile
	a.json(t, items[0].Config, &cfg)
	for i, l := range items[0].Layers {
		if l != "blobs/sha256/"+cfg.RootFS.DiffIDs[i].Hex {
			t.Errorf("layer %d at %s, want blobs/sha256/<diff_id>", i, l)
		}
		if src, ok := items[0].LayerSources[cfg.RootFS.DiffIDs[i].String()]; !ok || src.Size != int64(len(a.get(t, l))) {
			t.Errorf("LayerSources[%d] = %+v", i, src)
		}
	}
	var idx v1.IndexManifest
	a.json(t, "index.json", &idx)
	if len(idx.Manifests) != 2 {
		t.Fatalf("index.json has %d descriptors, want one per tag", len(idx.Manifests))
	}
	for i, want := range [][2]string{{"docker.io/library/app:1", "1"}, {"docker.io/library/app:latest", "latest"}} {
		d := idx.Manifests[i]
		if d.Annotations[AnnotationImageName] != want[0] || d.Annotations[AnnotationRefName] != want[1] {
			t.Errorf("descriptor %d annotations %v", i, d.Annotations)
		}
		var m v1.Manifest
		a.json(t, "blobs/sha256/"+d.Digest.Hex, &m)
		if "blobs/sha256/"+m.Config.Digest.Hex != items[0].Config || len(m.Layers) != 3 || m.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar" {
			t.Errorf("manifest %s = %+v", d.Digest, m)
		}
	}
	var repos map[string]map[string]string
	a.json(t, "repositories", &repos)
	if repos["app"]["1"] != cfg.RootFS.DiffIDs[2].Hex || repos["app"]["latest"] != cfg.RootFS.DiffIDs[2].Hex {
		t.Errorf("repositories = %v", repos)
	}
}

// checkBlobNames checks that every blob under blobs/sha256/ hashes to its name.
func checkBlobNames(t *testing.T, a *archive) {
	t.Helper()
	for _, name := range a.order {
		if hex, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && hex != "" {
			if got := sha256hex(a.get(t, name)); got != hex {
				t.Errorf("%s hashes to %s", name, got)
			}
		}
	}
}

func TestContainerdArchive(t *testing.T) {
	x := SmallIndex()
	x.AbsentBlobs = []v1.Platform{Platform("linux", "s390x", "")}
	var buf bytes.Buffer
	if err := WriteContainerdArchive(&buf, x); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	checkBlobNames(t, a)
	if !sort.StringsAreSorted(a.order) {
		t.Errorf("members not sorted: %v", a.order)
	}
	var top v1.IndexManifest
	a.json(t, "index.json", &top)
	if len(top.Manifests) != 2 || top.Manifests[0].Digest != top.Manifests[1].Digest {
		t.Fatalf("index.json = %+v", top)
	}
	if top.Manifests[0].Annotations[AnnotationImageName] != "docker.io/library/app:1" || top.Manifests[1].Annotations[AnnotationRefName] != "latest" {
		t.Errorf("index.json annotations %v %v", top.Manifests[0].Annotations, top.Manifests[1].Annotations)
	}
	var nested v1.IndexManifest
	a.json(t, "blobs/sha256/"+top.Manifests[0].Digest.Hex, &nested)
	var plats []string
	present := map[string]v1.Hash{}
	for _, d := range nested.Manifests {
		p := d.Platform.String()
		plats = append(plats, p)
		_, have := a.members["blobs/sha256/"+d.Digest.Hex]
		switch {
		case p == "linux/arm/v7":
			if have {
				t.Errorf("absent platform's manifest is in the archive")
			}
			continue
		case !have:
			t.Errorf("%s manifest missing", p)
			continue
		}
		var m v1.Manifest
		a.json(t, "blobs/sha256/"+d.Digest.Hex, &m)
		_, cfgHave := a.members["blobs/sha256/"+m.Config.Digest.Hex]
		if p == "linux/s390x" {
			if cfgHave {
				t.Errorf("AbsentBlobs platform's config is in the archive")
			}
			continue
		}
		if p == "unknown/unknown" {
			if d.Annotations[AnnotationRefType] != "attestation-manifest" || d.Annotations[AnnotationRefDigest] == "" {
				t.Errorf("attestation annotations %v", d.Annotations)
			}
			continue
		}
		present[p] = d.Digest
		var cfg v1.ConfigFile
		a.json(t, "blobs/sha256/"+m.Config.Digest.Hex, &cfg)
		for i, l := range m.Layers {
			blob := a.get(t, "blobs/sha256/"+l.Digest.Hex)
			un, comp := decompress(t, blob)
			if sha256hex(un) != cfg.RootFS.DiffIDs[i].Hex {
				t.Errorf("%s layer %d: diff_id mismatch", p, i)
			}
			if want := map[string]string{"gzip": "application/vnd.oci.image.layer.v1.tar+gzip", "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}[comp]; string(l.MediaType) != want {
				t.Errorf("%s layer %d: %s blob with media type %s", p, i, comp, l.MediaType)
			}
		}
	}
	want := []string{"linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/s390x", "unknown/unknown", "unknown/unknown"}
	if !cmp.Equal(plats, want) {
		t.Errorf("nested index platforms %v, want %v", plats, want)
	}
	var items []legacyItem
	a.json(t, "manifest.json", &items)
	if len(items) != 1 || !cmp.Equal(items[0].RepoTags, []string{"app:1", "app:latest"}) || len(items[0].Layers) != 3 {
		t.Fatalf("manifest.json = %+v", items)
	}
	var amdManifest v1.Manifest
	a.json(t, "blobs/sha256/"+present["linux/amd64"].Hex, &amdManifest)
	if items[0].Config != "blobs/sha256/"+amdManifest.Config.Digest.Hex || items[0].Layers[2] != "blobs/sha256/"+amdManifest.Layers[2].Digest.Hex {
		t.Errorf("manifest.json does not describe the amd64 image: %+v", items[0])
	}
	if _, comp := decompress(t, a.get(t, items[0].Layers[2])); comp != "zstd" {
		t.Errorf("amd64 layer 2 is %s, want zstd", comp)
	}
}

func TestOCIArchiveAndLayout(t *testing.T) {
	img := Small("amd64")
	img.Layers[1].Compression = None
	var buf bytes.Buffer
	if err := WriteOCIArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	checkBlobNames(t, a)
	if got := a.order[len(a.order)-2:]; !cmp.Equal(got, []string{"index.json", "oci-layout"}) {
		t.Errorf("last members %v", got)
	}
	var idx v1.IndexManifest
	a.json(t, "index.json", &idx)
	if len(idx.Manifests) != 2 || idx.Manifests[0].Annotations[AnnotationRefName] != "app:1" || idx.Manifests[0].Annotations[AnnotationImageName] != "" {
		t.Fatalf("index.json = %+v", idx)
	}
	var m v1.Manifest
	a.json(t, "blobs/sha256/"+idx.Manifests[0].Digest.Hex, &m)
	var cfg v1.ConfigFile
	a.json(t, "blobs/sha256/"+m.Config.Digest.Hex, &cfg)
	wantComp := []string{"gzip", "none", "gzip"}
	for i, l := range m.Layers {
		un, comp := decompress(t, a.get(t, "blobs/sha256/"+l.Digest.Hex))
		if comp != wantComp[i] || sha256hex(un) != cfg.RootFS.DiffIDs[i].Hex {
			t.Errorf("layer %d: %s, diff_id ok=%v", i, comp, sha256hex(un) == cfg.RootFS.DiffIDs[i].Hex)
		}
	}

	dir := t.TempDir()
	if err := WriteOCILayout(dir, img); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if hex, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && sha256hex(data) != hex {
			t.Errorf("%s hashes to %s", name, sha256hex(data))
		}
		if name != "index.json" && name != "oci-layout" && !strings.HasPrefix(name, "blobs/sha256/") {
			t.Errorf("unexpected file %s", name)
		}
		// The layout holds the same blobs as the archive.
		if _, ok := a.members[name]; !ok && name != "index.json" {
			t.Errorf("%s not in the oci-archive", name)
		}
	}
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout = %s", files["oci-layout"])
	}
}

func TestSkopeoDockerArchive(t *testing.T) {
	img := Small("amd64")
	img.Tags = []string{"app:1", "localhost/app:dev"}
	var buf bytes.Buffer
	if err := WriteSkopeoDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	var items []legacyItem
	a.json(t, "manifest.json", &items)
	if len(items) != 1 || !cmp.Equal(items[0].RepoTags, []string{"docker.io/library/app:1", "localhost/app:dev"}) {
		t.Fatalf("manifest.json = %+v", items)
	}
	var cfg v1.ConfigFile
	a.json(t, items[0].Config, &cfg)
	if items[0].Config != sha256hex(a.get(t, items[0].Config))+".json" {
		t.Errorf("config not named by its digest")
	}
	for i, l := range items[0].Layers {
		if l != cfg.RootFS.DiffIDs[i].Hex+".tar" || sha256hex(a.get(t, l)) != cfg.RootFS.DiffIDs[i].Hex {
			t.Errorf("layer %d: %s", i, l)
		}
	}
	links := 0
	for _, name := range a.order {
		h := a.members[name].hdr
		if strings.HasSuffix(name, "/layer.tar") {
			links++
			if h.Typeflag != tar.TypeSymlink || !strings.HasPrefix(h.Linkname, "../") || a.members[strings.TrimPrefix(h.Linkname, "../")] == nil {
				t.Errorf("%s -> %q", name, h.Linkname)
			}
		} else if h.Mode != 0o444 {
			t.Errorf("%s mode %o", name, h.Mode)
		}
	}
	if links != 3 {
		t.Errorf("%d layer.tar symlinks, want 3", links)
	}
	if a.order[len(a.order)-2] != "manifest.json" || a.order[len(a.order)-1] != "repositories" {
		t.Errorf("order %v", a.order)
	}
	var repos map[string]map[string]string
	a.json(t, "repositories", &repos)
	if repos["docker.io/library/app"]["1"] == "" || repos["localhost/app"]["dev"] == "" {
		t.Errorf("repositories = %v", repos)
	}
}

func TestCompressRoundTrip(t *testing.T) {
	var src bytes.Buffer
	if err := WriteDockerArchive(&src, Whiteouts()); err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{Gzip, Zstd, Xz, None} {
		var z bytes.Buffer
		zw, err := Compress(&z, alg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zw.Write(src.Bytes()); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		var got []byte
		if alg == Xz {
			if !bytes.HasPrefix(z.Bytes(), []byte{0xfd, '7', 'z', 'X', 'Z', 0}) {
				t.Errorf("xz magic missing")
			}
			xr, err := xz.NewReader(&z)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = io.ReadAll(xr); err != nil {
				t.Fatal(err)
			}
		} else {
			var comp string
			got, comp = decompress(t, z.Bytes())
			if comp != alg {
				t.Errorf("%s sniffed as %s", alg, comp)
			}
		}
		if !bytes.Equal(got, src.Bytes()) {
			t.Errorf("%s: round trip differs", alg)
		}
	}
	if _, err := Compress(io.Discard, Bzip2); err == nil {
		t.Errorf("bzip2 should be refused in-process")
	}
}

func TestRefs(t *testing.T) {
	for in, want := range map[string][3]string{
		"app:1":                     {"docker.io/library/app:1", "app:1", "app"},
		"app":                       {"docker.io/library/app:latest", "app:latest", "app"},
		"docker.io/library/app:1":   {"docker.io/library/app:1", "app:1", "app"},
		"team/app:2":                {"docker.io/team/app:2", "team/app:2", "team/app"},
		"localhost/x:t":             {"localhost/x:t", "localhost/x:t", "localhost/x"},
		"registry.example:5000/a/b": {"registry.example:5000/a/b:latest", "registry.example:5000/a/b:latest", "registry.example:5000/a/b"},
	} {
		r := parseRef(in)
		if got := [3]string{r.String(), r.Familiar(), r.FamiliarName()}; got != want {
			t.Errorf("parseRef(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLargeSmallOpts(t *testing.T) {
	img := Large(LargeOpts{TotalBytes: 8 << 20, Files: 3000, Deleted: 300, Layers: 4})
	files, bytesTotal, whiteouts, opaques, dirWhiteouts := 0, int64(0), 0, 0, 0
	for _, l := range img.Layers {
		for _, e := range l.Entries {
			base := e.Name[strings.LastIndex(strings.TrimSuffix(e.Name, "/"), "/")+1:]
			switch {
			case base == ".wh..wh..opq":
				opaques++
			case strings.HasPrefix(base, ".wh."):
				whiteouts++
				if !strings.HasPrefix(base, ".wh.file") {
					dirWhiteouts++
				}
			case e.Type == tar.TypeReg:
				files++
				bytesTotal += e.Size
			}
		}
	}
	if len(img.Layers) != 4 || files < 3000 || bytesTotal != 8<<20 || whiteouts < 300 || opaques != 1 || dirWhiteouts != 1 {
		t.Errorf("layers %d files %d bytes %d whiteouts %d opaques %d dir whiteouts %d", len(img.Layers), files, bytesTotal, whiteouts, opaques, dirWhiteouts)
	}
	var buf bytes.Buffer
	if err := WriteDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 8<<20 {
		t.Errorf("archive is %d bytes", buf.Len())
	}
}

func TestVariants(t *testing.T) {
	// containerd: a plain manifest target with Docker media types, untagged.
	img := Small("amd64")
	var buf bytes.Buffer
	if err := WriteContainerdArchive(&buf, Index{Images: []Image{img}, NoIndex: true, DockerMediaTypes: true}); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	checkBlobNames(t, a)
	var top v1.IndexManifest
	a.json(t, "index.json", &top)
	if len(top.Manifests) != 1 || top.Manifests[0].MediaType != "application/vnd.docker.distribution.manifest.v2+json" || top.Manifests[0].Annotations != nil {
		t.Errorf("index.json = %+v", top)
	}
	var m v1.Manifest
	a.json(t, "blobs/sha256/"+top.Manifests[0].Digest.Hex, &m)
	if m.Layers[0].MediaType != "application/vnd.docker.image.rootfs.diff.tar.gzip" || m.Config.MediaType != "application/vnd.docker.container.image.v1+json" {
		t.Errorf("manifest = %+v", m)
	}
	if err := WriteContainerdArchive(io.Discard, Index{Images: []Image{img, img}, NoIndex: true}); err == nil {
		t.Errorf("NoIndex with two images should fail")
	}

	// Docker 25 and OCI: an untagged image gets one descriptor without annotations.
	img.Tags = nil
	buf.Reset()
	if err := WriteDocker25Archive(&buf, img); err != nil {
		t.Fatal(err)
	}
	a = readArchive(t, buf.Bytes())
	a.json(t, "index.json", &top)
	if len(top.Manifests) != 1 || top.Manifests[0].Annotations != nil {
		t.Errorf("docker25 untagged index.json = %+v", top)
	}
	if _, ok := a.members["repositories"]; ok {
		t.Errorf("docker25 untagged archive has a repositories file")
	}
	var items []legacyItem
	a.json(t, "manifest.json", &items)
	if items[0].RepoTags != nil {
		t.Errorf("untagged RepoTags = %v", items[0].RepoTags)
	}

	// Legacy docker archive with an explicitly gzip-compressed layer (ggcr/Bazel style).
	img = Small("amd64")
	img.Layers[1].Compression = Gzip
	buf.Reset()
	if err := WriteDockerArchive(&buf, img); err != nil {
		t.Fatal(err)
	}
	a = readArchive(t, buf.Bytes())
	a.json(t, "manifest.json", &items)
	var cfg v1.ConfigFile
	a.json(t, items[0].Config, &cfg)
	un, comp := decompress(t, a.get(t, items[0].Layers[1]))
	if comp != Gzip || sha256hex(un) != cfg.RootFS.DiffIDs[1].Hex {
		t.Errorf("compressed layer.tar: %s, diff_id ok %v", comp, sha256hex(un) == cfg.RootFS.DiffIDs[1].Hex)
	}

	// Empty images are refused by the docker formats, as docker save refuses them.
	if err := WriteDockerArchive(io.Discard, Image{}); err == nil {
		t.Errorf("empty image accepted")
	}
}
