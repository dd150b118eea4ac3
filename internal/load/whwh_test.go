package load

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// rawLayerArchive is a one-image docker archive around an uncompressed layer tar.
func rawLayerArchive(layer []byte) []byte {
	sum := sha256.Sum256(layer)
	cfg := `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:` + hex.EncodeToString(sum[:]) + `"]}}`
	return fzTar(
		fzMember{name: "l/layer.tar", data: string(layer)},
		fzMember{name: "c.json", data: cfg},
		fzMember{name: "manifest.json", data: `[{"Config":"c.json","RepoTags":["whwh:1"],"Layers":["l/layer.tar"]}]`},
	)
}

// TestAUFSNamesAsDockerExtracts pins which `.wh..wh.` names Docker extracts: the layer of
// testdata/docker/whwh (made by its make.sh) was loaded into a real engine and listed from a
// running container (engine.txt). Docker skips only members whose name starts with
// `.wh..wh.`; a file under usr/.wh..wh.cache/ is extracted (under an implied 0600
// directory), so strata must list it too, or an audit would miss it.
func TestAUFSNamesAsDockerExtracts(t *testing.T) {
	layer, err := os.ReadFile("../../testdata/docker/whwh/layer.tar")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := os.ReadFile("../../testdata/docker/whwh/engine.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(string(engine)), "\n") {
		if strings.HasPrefix(line, "engine ") || strings.HasPrefix(line, "storage driver ") {
			continue
		}
		// Docker also creates, mode 0600, the parent directory of a top-level AUFS member
		// it skips (/.wh..wh.plnk/123 leaves an empty /.wh..wh.plnk): strata does not show
		// these empty directories (README, "How layers merge").
		if f := strings.Fields(line); f[len(f)-1] == "/.wh..wh.plnk" || f[len(f)-1] == "/.wh..wh.top" {
			continue
		}
		want = append(want, line)
	}
	img, err := Open(context.Background(), Stdin, bytes.NewReader(rawLayerArchive(layer)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	fstree.Merge(img.Layers).Walk(func(p string, n *fstree.Node) {
		if !strings.Contains(p, "wh") {
			return
		}
		kind, mode := "directory", uint32(fstree.ImpliedMode)
		if n.Entry != nil {
			mode = n.Entry.Mode
			if n.Entry.Type == image.TypeFile {
				kind = "regular file"
			}
		}
		got = append(got, fmt.Sprintf("%s %o %s", kind, mode, p))
	})
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths with wh in the merged layer, against the engine's (-want +got):\n%s", diff)
	}
}
