package load

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestScratchIndexBlowup(t *testing.T) {
	hex := strings.Repeat("a", 64)
	var ms []string
	for i := 0; i < 4; i++ {
		ms = append(ms, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":1}`, hex))
	}
	doc := `{"schemaVersion":2,"manifests":[` + strings.Join(ms, ",") + `]}`
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range []struct{ n, d string }{{"blobs/sha256/" + hex, doc}, {"index.json", doc}} {
		tw.WriteHeader(&tar.Header{Name: m.n, Mode: 0644, Size: int64(len(m.d)), Typeflag: tar.TypeReg})
		tw.Write([]byte(m.d))
	}
	tw.Close()
	start := time.Now()
	_, err := Open(context.Background(), Stdin, bytes.NewReader(buf.Bytes()), Options{})
	t.Logf("N=4: %v in %v", err, time.Since(start))
}
