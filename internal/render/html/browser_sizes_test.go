package html

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// TestBrowserDirectorySizes: as of every layer, each directory's size in the report (what
// its explorer and treemap sum in the browser) is what `files --tree` says of the image up
// to that layer: an inode counted once. hardlinks.tar.gz is a busybox-style image with 458
// links to one binary, links across layers and link targets a later layer overwrites or
// deletes (testdata/docker/hardlinks/make.sh).
func TestBrowserDirectorySizes(t *testing.T) {
	browser(t)
	for _, file := range []string{"hardlinks/hardlinks.tar.gz", "kitchen.tar", "ctr-basic.export.tar"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join(fixtures, file)
			r, _ := imageReport(t, path)
			p, _ := writePage(t, r, filepath.Base(file)+"-sizes")
			tb := open(t, p)
			img := openImage(t, path, "")
			for n := range img.Layers {
				got := evalAs[map[string]int64](tb, fmt.Sprintf(`(() => {
					const m = strataModels.image, L = %d, s = m.sizes(L), p = m.allPaths(), out = {};
					for (let i = 0; i < m.n; i++) { const k = m.at(i, L); if (k >= 0 && m.isDirV[k]) out[p[i]] = s[i]; }
					return out; })()`, n))
				list, err := files.Merged(img, fstree.Merge(img.Layers[:n+1]), "")
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]int64{}
				for _, row := range files.Tree(list, nil, -1, false) {
					if row.Type == image.TypeDir {
						want[row.Path] = row.Size
					}
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("as of layer %d, directory sizes (-files --tree +report):\n%s", n, d)
				}
			}
			tb.checkClean()
		})
	}
}
