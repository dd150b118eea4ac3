package baseline

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// synthetic layers: a layer is a created_by, a diff_id and files "path=content".
type synth struct {
	cmd, diffID string
	files       []string
}

func digestOf(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

func synthImage(tag string, layers ...synth) *image.Image {
	img := &image.Image{RepoTags: []string{tag}, Config: &v1.ConfigFile{OS: "linux", Architecture: "amd64"}}
	for i, s := range layers {
		l := &image.Layer{Index: i, DiffID: s.diffID, History: &v1.History{CreatedBy: s.cmd}}
		for _, f := range s.files {
			p, body, _ := strings.Cut(f, "=")
			e := image.Entry{Path: p, Type: image.TypeFile, Size: int64(len(body)), Mode: 0o644, MTime: int64(i)}
			e.SetDigest(digestOf(body))
			l.Entries = append(l.Entries, e)
		}
		img.Layers = append(img.Layers, l)
		img.Config.History = append(img.Config.History, *l.History)
	}
	return img
}

func TestAlign(t *testing.T) {
	A := synth{"FROM base", digestOf("A"), []string{"/bin/sh=busybox"}}
	B := synth{"/bin/sh -c make", digestOf("B"), []string{"/app/bin=binary"}}
	C := synth{"/bin/sh -c install", digestOf("C"), []string{"/usr/lib/x.so=library"}}
	D := synth{"/bin/sh -c #(nop) COPY file:" + strings.Repeat("a", 64) + " in /app/conf ", digestOf("D"), []string{"/app/conf=conf"}}
	empty := synth{"/bin/sh -c #(nop) WORKDIR /app", digestOf("empty tar"), nil}
	with := func(s synth, diffID string, files ...string) synth {
		s.diffID = diffID
		if files != nil {
			s.files = files
		}
		return s
	}
	tests := []struct {
		name        string
		lock, image []synth
		want        []classRow
	}{
		{
			name: "inserted in the middle, the layer above it changed",
			lock: []synth{A, B, C, D}, image: []synth{A, B, {"/bin/sh -c extra", digestOf("X"), []string{"/x=x"}}, with(C, digestOf("C2"), "/usr/lib/x.so=library v2"), D},
			want: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Added, 2, -1}, {Grown, 3, 2}, {Unchanged, 4, 3}},
		},
		{
			name: "inserted, the layers above rebuilt with their contents",
			lock: []synth{A, B, C}, image: []synth{A, {"/bin/sh -c extra", digestOf("X"), []string{"/x=x"}}, with(B, digestOf("B2")), with(C, digestOf("C2"))},
			want: []classRow{{Unchanged, 0, 0}, {Added, 1, -1}, {Rebuilt, 2, 1}, {Rebuilt, 3, 2}},
		},
		{
			name: "removed",
			lock: []synth{A, B, C}, image: []synth{A, C},
			want: []classRow{{Unchanged, 0, 0}, {Removed, -1, 1}, {Unchanged, 1, 2}},
		},
		{
			name: "removed last",
			lock: []synth{A, B, C}, image: []synth{A, B},
			want: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Removed, -1, 2}},
		},
		{
			name: "command edited: paired by position",
			lock: []synth{A, B}, image: []synth{A, {"/bin/sh -c make all", digestOf("B3"), []string{"/app/bin=bin"}}},
			want: []classRow{{Unchanged, 0, 0}, {Shrunk, 1, 1}},
		},
		{
			name: "COPY with a new source hash, a layer inserted before it",
			lock: []synth{A, D}, image: []synth{A, {"/bin/sh -c extra", digestOf("X"), []string{"/x=x"}}, {strings.ReplaceAll(D.cmd, strings.Repeat("a", 64), strings.Repeat("b", 64)), digestOf("D2"), []string{"/app/conf=conf, longer"}}},
			want: []classRow{{Unchanged, 0, 0}, {Added, 1, -1}, {Grown, 2, 1}},
		},
		{
			name: "empty layers share a diff_id",
			lock: []synth{A, empty, B, empty}, image: []synth{A, empty, B, empty},
			want: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Unchanged, 2, 2}, {Unchanged, 3, 3}},
		},
		{
			name: "same size, other content",
			lock: []synth{A, B}, image: []synth{A, with(B, digestOf("B4"), "/app/bin=BINARY")},
			want: []classRow{{Unchanged, 0, 0}, {Changed, 1, 1}},
		},
		{
			name: "root filesystem tarballs (no diff_ids): by fingerprint",
			lock: []synth{with(A, "")}, image: []synth{with(A, "")},
			want: []classRow{{Rebuilt, 0, 0}},
		},
		{
			name: "everything new",
			lock: []synth{A}, image: []synth{B, C}, // 7 bytes (busybox), then 6 (binary)
			want: []classRow{{Shrunk, 0, 0}, {Added, 1, -1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := synthImage("app:1", tt.lock...)
			lk, err := Of(old, fstree.Merge(old.Layers))
			if err != nil {
				t.Fatal(err)
			}
			img := synthImage("app:2", tt.image...)
			c, err := Compare(lk, img, fstree.Merge(img.Layers), Policy{AllowAddedLayers: true, AllowRemovedLayers: true})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rows(c)); diff != "" {
				t.Errorf("classes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	A := synth{"FROM base", digestOf("A"), []string{"/bin/sh=busybox"}}
	old := synthImage("registry.example/app:1", A)
	lk, err := Of(old, fstree.Merge(old.Layers))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tag, platform string
		want          []string
	}{
		{"registry.example/app:2", "amd64", []string{}},
		{"registry.example/app@sha256:" + strings.Repeat("0", 64), "amd64", []string{}},
		{"registry.example/other:1", "amd64", []string{"the lock was made for registry.example/app:1, the image is registry.example/other:1"}},
		{"registry.example/app:1", "arm64", []string{"the lock was made for platform linux/amd64, the image is linux/arm64"}},
	} {
		img := synthImage(tt.tag, A)
		img.Config.Architecture = tt.platform
		c, err := Compare(lk, img, fstree.Merge(img.Layers), Policy{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, c.Warnings); diff != "" {
			t.Errorf("%s %s: warnings (-want +got):\n%s", tt.tag, tt.platform, diff)
		}
	}
}

// TestCauses: what a growth failure names, as far as the lock's lists tell.
func TestCauses(t *testing.T) {
	A := synth{"FROM base", digestOf("A"), []string{"/bin/sh=busybox"}}
	lib := synth{"/bin/sh -c apt-get install -y llvm", digestOf("L"), []string{
		"/usr/lib/a.so=" + strings.Repeat("a", 1000), "/usr/lib/b.so=" + strings.Repeat("b", 900),
		"/usr/lib/c.so=" + strings.Repeat("c", 800), "/usr/share/d=" + strings.Repeat("d", 700),
		"/usr/share/e=" + strings.Repeat("e", 600), "/usr/share/small=" + strings.Repeat("s", 100),
	}}
	grown := lib
	grown.diffID = digestOf("L2")
	grown.files = append([]string{
		"/usr/lib/libLLVM.so=" + strings.Repeat("L", 5000), // new, larger than the lock's smallest listed (600)
		"/usr/lib/tiny=" + strings.Repeat("t", 300),        // new but under 600: the lock cannot tell
		"/usr/lib/a.so=" + strings.Repeat("a", 1500),       // listed, grown by 500
	}, lib.files[1:]...)
	old := synthImage("app:1", A, lib)
	lk, err := Of(old, fstree.Merge(old.Layers))
	if err != nil {
		t.Fatal(err)
	}
	img := synthImage("app:2", A, grown)
	c, err := Compare(lk, img, fstree.Merge(img.Layers), Policy{})
	if err != nil {
		t.Fatal(err)
	}
	// 4,100 → 9,900 bytes: +5,800 (+141%). /usr/lib gained all of it; the files named
	// explain 5,500 of 5,800 (95%), so the directory is not named again.
	want := []string{"baseline.layer_growth: layer 1 RUN apt-get install -y llvm grew 5.8kB (+141%, limit 10%): +/usr/lib/libLLVM.so (5kB), /usr/lib/a.so (+500B)"}
	if diff := cmp.Diff(want, failures(c)); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	wantCauses := []Cause{
		{Path: "/usr/lib", Dir: true, Change: "grown", Size: 8500, Delta: 5800},
		{Path: "/usr/lib/libLLVM.so", Change: "added", Size: 5000, Delta: 5000},
		{Path: "/usr/lib/a.so", Change: "grown", Size: 1500, Delta: 500},
	}
	if diff := cmp.Diff(wantCauses, c.Layers[1].Causes); diff != "" {
		t.Errorf("causes (-want +got):\n%s", diff)
	}
}

// TestBaseAnnotations: the base named by manifest annotations (no history row: the layer
// count stays unknown) is held by name and digest.
func TestBaseAnnotations(t *testing.T) {
	A := synth{"FROM base", digestOf("A"), []string{"/bin/sh=busybox"}}
	B := synth{"/bin/sh -c make", digestOf("B"), []string{"/app/bin=binary"}}
	annotated := func(tag, name, digest string) *image.Image {
		img := synthImage(tag, A, B)
		img.Annotations = map[string]string{keyBaseName: name, keyBaseDigest: digest}
		return img
	}
	d1, d2 := digestOf("base 1"), digestOf("base 2")
	old := annotated("app:1", "docker.io/library/alpine:3.19", d1)
	lk, err := Of(old, fstree.Merge(old.Layers))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Base{Name: "docker.io/library/alpine:3.19", Digest: d1}, lk.Base); diff != "" {
		t.Errorf("lock base (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		name, digest string
		policy       Policy
		want         []string
	}{
		{"docker.io/library/alpine:3.19", d1, Policy{}, nil},
		{"docker.io/library/alpine:3.19", d2, Policy{}, []string{"baseline.base: base image changed: " + d1 + " → " + d2 + " (org.opencontainers.image.base.digest)"}},
		{"docker.io/library/alpine:3.20", d2, Policy{}, []string{"baseline.base: base image changed: docker.io/library/alpine:3.19 → docker.io/library/alpine:3.20 (org.opencontainers.image.base.name), " + d1 + " → " + d2 + " (org.opencontainers.image.base.digest)"}},
		{"", "", Policy{}, []string{"baseline.base: base image changed: docker.io/library/alpine:3.19 → none (org.opencontainers.image.base.name), " + d1 + " → none (org.opencontainers.image.base.digest)"}},
		{"docker.io/library/alpine:3.20", d2, Policy{AllowBaseChange: true}, nil},
		// base_layers: 1 holds layer 0 too; here it is unchanged.
		{"docker.io/library/alpine:3.19", d1, Policy{BaseLayers: ptr(1)}, nil},
	} {
		img := annotated("app:2", tt.name, tt.digest)
		c, err := Compare(lk, img, fstree.Merge(img.Layers), tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, failures(c)); diff != "" {
			t.Errorf("%s %s: failures (-want +got):\n%s", tt.name, tt.digest, diff)
		}
	}
	// No base recorded: the rule is skipped, saying how to set it.
	plain := synthImage("app:1", A, B)
	lk, _ = Of(plain, fstree.Merge(plain.Layers))
	c, _ := Compare(lk, plain, fstree.Merge(plain.Layers), Policy{})
	if v := c.Verdicts[0]; v.Rule != RuleBase || !v.Skipped || v.Failed {
		t.Errorf("base verdict without a base: %+v", v)
	}
}
