package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
)

// TestCatMatchesDigests reads every regular file and hardlink of the merged filesystem with
// cat and checks its bytes against the digest files --hash computed while streaming the
// same image on stdin (another read path): at random from a tar, by streaming gzip layers
// from an OCI layout.
func TestCatMatchesDigests(t *testing.T) {
	t.Parallel()
	var want []struct {
		Path, Digest string
	}
	strataJSON(t, &want, readStdin(t, filepath.Join("testdata", "docker", "kitchen.tar.gz")), "files", "--hash", "sha256", "-")
	for _, img := range []string{"kitchen.tar", "kitchen.oci", "kitchen.oci.tar"} {
		path := filepath.Join("testdata", "docker", img)
		n := 0
		for _, f := range want {
			if f.Digest == "" {
				continue
			}
			var out, errb bytes.Buffer
			if err := run(context.Background(), []string{"cat", path, f.Path}, nil, &out, &errb); err != nil {
				t.Errorf("cat %s %s: %v", img, f.Path, err)
				continue
			}
			sum := sha256.Sum256(out.Bytes())
			if got := "sha256:" + hex.EncodeToString(sum[:]); got != f.Digest {
				t.Errorf("cat %s %s: content digest %s, files --hash says %s", img, f.Path, got, f.Digest)
			}
			n++
		}
		if n < 20 {
			t.Errorf("%s: only %d files read", img, n)
		}
	}
}
