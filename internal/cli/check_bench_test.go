package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// benchRules are every rule that reads metadata only; benchContent adds a content regex on
// one file, which check reads and nothing else.
const benchRules = `max_size: 2GB
max_layers: 10
max_layer_size: 1GB
min_efficiency: 0.5
max_wasted_bytes: 1GB
max_wasted_percent: 90
forbid_paths: ["/root/.ssh/**", "**/*.pem", "/usr/lib/pkg0000/**"]
forbid_sensitive_hidden: true
setuid_allow: []
forbid_world_writable: true
required_labels: {org.opencontainers.image.source: ""}
forbid_env: [".*_TOKEN"]
allowed_ports: []
`

// BenchmarkCheck runs strata check on the large generated image, beside inspect on the same
// input: check costs inspect plus its rules plus the bytes content rules name.
//
//	go test -run XXX -bench 'Check|Inspect/file' -benchtime 3x ./internal/cli
func BenchmarkCheck(b *testing.B) {
	in := benchInputs(b)
	dir := b.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte(benchRules), 0o644); err != nil {
		b.Fatal(err)
	}
	// A small file of the top layer for the content rule.
	img, err := load.Open(context.Background(), in["tar"], nil, load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var target string
	top := img.Layers[len(img.Layers)-1]
	for i := range top.Entries {
		if e := &top.Entries[i]; e.Type == image.TypeFile && e.Size > 0 && e.Size < 64<<10 && e.Whiteout == image.NotWhiteout {
			target = e.Path
			break
		}
	}
	img.Close()
	content := filepath.Join(dir, "content.yaml")
	if err := os.WriteFile(content, []byte(benchRules+"files:\n  - path: "+target+"\n    excludes: ['BEGIN RSA PRIVATE KEY']\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("inspect", func(b *testing.B) {
		setBytes(b, in["tar"])
		benchRun(b, "", "inspect", "-o", "json", in["tar"])
	})
	b.Run("rules", func(b *testing.B) {
		setBytes(b, in["tar"])
		benchRun(b, "", "check", "--rules", rules, "-o", "json", in["tar"])
	})
	b.Run("rules+content", func(b *testing.B) {
		setBytes(b, in["tar"])
		benchRun(b, "", "check", "--rules", content, "-o", "json", in["tar"])
	})
	b.Run("gzip-stdin", func(b *testing.B) {
		setBytes(b, in["gzip"])
		benchRun(b, in["gzip"], "check", "--rules", rules, "-o", "json", "-")
	})
}
