package explore_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/files"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// hardlinks is a busybox-style image a real engine built (testdata/docker/hardlinks/make.sh):
// 458 hardlinks to one binary, links across layers, a link target overwritten and another
// deleted by a later layer.
const hardlinks = "docker/hardlinks/hardlinks.tar.gz"

var sizeFixtures = []string{
	hardlinks, "docker/base.tar", "docker/kitchen.tar", "docker/small.tar", "docker/small2.tar",
	"docker/ctr-basic.export.tar", "synth/whiteouts.tar", "synth/oci.tar", "synth/skopeo.tar",
}

func openImage(t *testing.T, name string) *image.Image {
	t.Helper()
	img, err := load.Open(context.Background(), filepath.Join("..", "testdata", name), nil, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

// treeSizes is `files --tree` of the image as of layer n: every directory's size.
func treeSizes(t *testing.T, img *image.Image, n int) map[string]int64 {
	t.Helper()
	list, err := files.Merged(img, fstree.Merge(img.Layers[:n+1]), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range files.Tree(list, nil, -1, false) {
		if r.Type == image.TypeDir {
			out[r.Path] = r.Size
		}
	}
	return out
}

// TestDirectorySizesAreFilesTree: as of every layer of every fixture, each directory's size
// in the explorer's index (what `explore` and the report sum) is what `files --tree` says
// of the image up to that layer: an inode counted once.
func TestDirectorySizesAreFilesTree(t *testing.T) {
	for _, name := range sizeFixtures {
		t.Run(name, func(t *testing.T) {
			img := openImage(t, name)
			x := explore.Of(img, fstree.MergeLogged(img.Layers))
			for n := range img.Layers {
				want := treeSizes(t, img, n)
				got := map[string]int64{}
				sizes := x.Sizes(n)
				for i := range x.Nodes {
					if v := x.At(i, n); v != nil && v.Type() == image.TypeDir {
						got[x.Path(i)] = sizes[i]
					}
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("as of layer %d, directory sizes (-files --tree +index):\n%s", n, d)
				}
			}
		})
	}
}

// TestHardlinkSizesByHand: the numbers of the busybox-style image, worked out by hand.
// Layer 1: bin/busybox (251,696 bytes, layer 0) and its 458 links count once, in /bin;
// usr/lib/data.bin (3,000) counts at its own path, its links opt/a/data.lnk and
// usr/lib/data2.bin nothing. Layer 2 overwrites bin/busybox with 12 bytes and deletes
// usr/lib/data.bin: the links keep the old inodes, each counted once at the first link by
// path (/bin/[ for the binary, /opt/a/data.lnk for the data).
func TestHardlinkSizesByHand(t *testing.T) {
	img := openImage(t, hardlinks)
	x := explore.Of(img, fstree.MergeLogged(img.Layers))
	const busybox, data, etc = 251696, 3000, 22 + 68 // /etc/group, /etc/passwd
	for _, tc := range []struct {
		layer int
		want  map[string]int64
	}{
		{1, map[string]int64{"/": busybox + data + etc, "/bin": busybox, "/sbin": 0, "/usr/bin": 0, "/usr/lib": data, "/opt": 0}},
		{2, map[string]int64{"/": busybox + 12 + data + etc, "/bin": busybox + 12, "/sbin": 0, "/usr": 0, "/usr/lib": 0, "/opt": data, "/srv": 0}},
	} {
		sizes := x.Sizes(tc.layer)
		got := map[string]int64{}
		for p := range tc.want {
			got[p] = sizes[x.Find(p)]
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("layer %d (-by hand +index):\n%s", tc.layer, d)
		}
	}
}

// TestHardlinkInodesAreTheEngines: which paths share an inode, and the bytes of the
// distinct inodes (what `du -s /` counts), as the engine's containers of the image's first
// two and all three layers show them (engine.1.txt, engine.2.txt: stat of every regular
// file, Docker's runtime files aside).
func TestHardlinkInodesAreTheEngines(t *testing.T) {
	img := openImage(t, hardlinks)
	runtime := map[string]bool{"/etc/hosts": true, "/etc/hostname": true, "/etc/resolv.conf": true, "/.dockerenv": true}
	for _, n := range []int{1, 2} {
		f, err := os.Open(filepath.Join("..", "testdata", "docker", "hardlinks", "engine."+strconv.Itoa(n)+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		groups := map[string][]string{}
		size := map[string]int64{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.SplitN(sc.Text(), " ", 3)
			if len(fields) != 3 || runtime[fields[2]] {
				continue
			}
			groups[fields[0]] = append(groups[fields[0]], fields[2])
			size[fields[0]], _ = strconv.ParseInt(fields[1], 10, 64)
		}
		f.Close()
		var want []string
		var wantTotal int64
		for ino, ps := range groups {
			sort.Strings(ps)
			want = append(want, strings.Join(ps, " "))
			wantTotal += size[ino]
		}
		sort.Strings(want)

		list, err := files.Merged(img, fstree.Merge(img.Layers[:n+1]), "")
		if err != nil {
			t.Fatal(err)
		}
		byInode := map[*image.Entry][]string{}
		fs := fstree.Merge(img.Layers[:n+1])
		fs.Walk(func(p string, nd *fstree.Node) {
			switch {
			case nd.Entry != nil && nd.Entry.Type == image.TypeFile:
				byInode[nd.Entry] = append(byInode[nd.Entry], p)
			case nd.Entry != nil && nd.Entry.Type == image.TypeHardlink && nd.Target != nil:
				byInode[nd.Target] = append(byInode[nd.Target], p)
			}
		})
		var got []string
		for _, ps := range byInode {
			sort.Strings(ps)
			got = append(got, strings.Join(ps, " "))
		}
		sort.Strings(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("layers 0-%d: paths sharing an inode (-engine +strata):\n%s", n, d)
		}
		rows := files.Tree(list, nil, 0, false)
		if rows[0].Size != wantTotal {
			t.Errorf("layers 0-%d: files --tree / = %d bytes, the engine's distinct inodes %d", n, rows[0].Size, wantTotal)
		}
	}
}
