package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/strata-dev/strata/internal/testgen"
)

// TestBadInputExitsTwo runs malformed inputs through the command line: each must exit 2 with
// nothing on stdout and one `strata: error:` line (optionally a hint) naming the file and, where
// there is one, the member at fault. internal/load's corpus checks the error classes.
func TestBadInputExitsTwo(t *testing.T) {
	t.Parallel()
	img := testgen.Image{Tags: []string{"app:1"}, Layers: []testgen.Layer{
		{Entries: []testgen.Entry{testgen.Dir("etc/"), testgen.File("etc/motd", "hello\n")}},
	}}
	var good bytes.Buffer
	if err := testgen.WriteDockerArchive(&good, img); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	corrupt := gz(g)
	corrupt[len(corrupt)/2] ^= 0xff
	rnd := make([]byte, 2048)
	rand.New(rand.NewSource(7)).Read(rnd)
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	zw.Create("manifest.json")
	zw.Close()
	layer := regexp.MustCompile(`[0-9a-f]{64}/layer\.tar`).Find(g)
	noLayer := append([]byte{}, g...) // manifest.json (the last member) names a missing layer
	i := bytes.LastIndex(noLayer, layer)
	copy(noLayer[i:], bytes.Repeat([]byte("x"), len(layer)))

	tests := []struct {
		name, want string // want: a regexp the error line must match after "strata: error: FILE: "
		input      []byte
		args       []string
	}{
		{"empty", `^unknown format: empty input$`, nil, nil},
		{"random", `^unknown format: not a tar archive`, rnd, nil},
		{"zip", `^unknown format: a zip archive, not a tar archive$`, z.Bytes(), nil},
		{"truncated", `^[0-9a-f]{64}[^ ]*: truncated: `, g[:len(g)*2/3], nil},
		{"truncated-gzip", `truncated: gzip stream ends early$`, gz(g)[:len(gz(g))/2], nil},
		{"corrupt-gzip", `corrupt: gzip`, corrupt, nil},
		{"missing-layer", `missing: member `, noLayer, nil},
		{"unknown-image", `^no such image matches nosuch:9$`, g, []string{"--image", "nosuch:9"}},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		for _, viaStdin := range []bool{false, true} {
			name := tt.name + map[bool]string{false: "/file", true: "/stdin"}[viaStdin]
			t.Run(name, func(t *testing.T) {
				file := filepath.Join(dir, tt.name+".tar")
				if err := os.WriteFile(file, tt.input, 0o644); err != nil {
					t.Fatal(err)
				}
				arg, shown := file, file
				if viaStdin {
					arg, shown = "-", "<stdin>"
				}
				var stdout, stderr bytes.Buffer
				args := append(append([]string{"inspect"}, tt.args...), arg)
				code := exitCode(run(context.Background(), args, bytes.NewReader(tt.input), &stdout, &stderr), &stderr)
				if code != 2 {
					t.Errorf("exit %d, want 2", code)
				}
				if stdout.Len() > 0 {
					t.Errorf("stdout not empty: %q", stdout.String())
				}
				lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
				prefix := "strata: error: " + shown + ": "
				if !strings.HasPrefix(lines[0], prefix) || !regexp.MustCompile(tt.want).MatchString(strings.TrimPrefix(lines[0], prefix)) {
					t.Errorf("stderr %q: want %q then /%s/", lines[0], prefix, tt.want)
				}
				for _, l := range lines[1:] {
					if !strings.HasPrefix(l, "strata: hint: ") {
						t.Errorf("unexpected stderr line %q", l)
					}
				}
			})
		}
	}
}
