package files

import (
	"path"
	"sort"
	"strings"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// CleanPath makes a user's path argument absolute and clean, as listings name paths
// ("etc/", "/etc/./" and "/etc" are all "/etc").
func CleanPath(p string) string { return path.Clean("/" + p) }

// Under keeps the files at or below any of roots (clean absolute paths, see CleanPath), in
// their order, and reports the roots that matched nothing. With no roots it keeps all.
func Under(list []File, roots []string) (kept []File, missing []string) {
	if len(roots) == 0 {
		return list, nil
	}
	found := make([]bool, len(roots))
	for _, f := range list {
		for i, r := range roots {
			if within(f.Path, r) {
				found[i] = true
				kept = append(kept, f)
				break
			}
		}
	}
	for i, r := range roots {
		if !found[i] && r != "/" {
			missing = append(missing, r)
		}
	}
	if kept == nil {
		kept = []File{}
	}
	return kept, missing
}

// within reports whether p is root or below it.
func within(p, root string) bool {
	return root == "/" || p == root || (strings.HasPrefix(p, root) && p[len(root)] == '/')
}

// depth is the number of components of p below root.
func depth(p, root string) int {
	if p == root {
		return 0
	}
	rest := strings.TrimPrefix(p, root)
	return strings.Count(strings.Trim(rest, "/"), "/") + 1
}

// MaxDepth keeps the files at most n components below the first root they are within
// (roots as for Under; none means "/").
func MaxDepth(list []File, roots []string, n int) []File {
	if len(roots) == 0 {
		roots = []string{"/"}
	}
	out := list[:0:0]
	for _, f := range list {
		for _, r := range roots {
			if within(f.Path, r) {
				if depth(f.Path, r) <= n {
					out = append(out, f)
				}
				break
			}
		}
	}
	return out
}

// SortBySize orders files largest first, equal sizes by path (a stable, total order).
func SortBySize(list []File) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Size != list[j].Size {
			return list[i].Size > list[j].Size
		}
		return fstree.ComparePaths(list[i].Path, list[j].Path) < 0
	})
}

// TreeRow is one row of a du-like tree: a file, or a directory with the sizes of everything
// below it summed.
type TreeRow struct {
	Path    string     `json:"path"`
	Type    image.Type `json:"type"`
	Depth   int        `json:"depth"`   // components below the tree's root (the root is 0)
	Size    int64      `json:"size"`    // a file's size; a directory's: the sum of the regular-file sizes below it
	Entries int        `json:"entries"` // entries below a directory (0 for others)
	Layer   int        `json:"layer"`   // the layer providing this version; -1 for an implied directory
}

// Tree sums a listing into a tree per root (roots as for Under; none means "/"): every
// file at most depth components below its root (depth < 0: any), directories first with the
// totals of their whole subtree (also of the rows too deep to show), children by path, or
// largest first when bySize. Directories the listing implies but does not hold (a layer's
// entries may skip parents) are rows of type dir with layer -1. An inode counts once, as du
// counts it: a regular file counts its size, a hardlink 0 when the file whose inode it
// shares is in the listing, else the first such hardlink by path counts the inode's size
// (its target path was deleted or overwritten later, or lies outside the roots).
func Tree(list []File, roots []string, maxDepth int, bySize bool) []TreeRow {
	if len(roots) == 0 {
		roots = []string{"/"}
	}
	type node struct {
		row      TreeRow
		children []*node
	}
	nodes := map[string]*node{}
	var get func(p string) *node
	get = func(p string) *node {
		if n, ok := nodes[p]; ok {
			return n
		}
		n := &node{row: TreeRow{Path: p, Type: image.TypeDir, Layer: -1}}
		nodes[p] = n
		if p != "/" {
			parent := get(path.Dir(p))
			parent.children = append(parent.children, n)
		}
		return n
	}
	listed := map[*image.Entry]bool{} // inodes whose own file is in the listing
	for i := range list {
		if f := &list[i]; f.Type == image.TypeFile && f.inode != nil && f.Whiteout == "" {
			listed[f.inode] = true
		}
	}
	counted := map[*image.Entry]bool{} // inodes a hardlink counted
	for _, f := range list {
		if f.Whiteout != "" {
			continue // a marker is not a file of the tree
		}
		n := get(f.Path)
		n.row.Type, n.row.Layer = f.Type, f.Layer
		switch {
		case f.Type == image.TypeFile:
			n.row.Size = f.Size
		case f.Type == image.TypeHardlink && f.inode != nil && !listed[f.inode] && !counted[f.inode]:
			n.row.Size = f.Size
			counted[f.inode] = true
		}
	}
	var sum func(n *node)
	sum = func(n *node) {
		for _, c := range n.children {
			sum(c)
			n.row.Size += c.row.Size
			n.row.Entries += 1 + c.row.Entries
		}
		sort.Slice(n.children, func(i, j int) bool {
			a, b := n.children[i].row, n.children[j].row
			if bySize && a.Size != b.Size {
				return a.Size > b.Size
			}
			return fstree.ComparePaths(a.Path, b.Path) < 0
		})
	}
	if _, ok := nodes["/"]; !ok {
		get("/")
	}
	sum(nodes["/"])
	var out []TreeRow
	var emit func(n *node, d int)
	emit = func(n *node, d int) {
		r := n.row
		r.Depth = d
		out = append(out, r)
		if maxDepth >= 0 && d >= maxDepth {
			return
		}
		for _, c := range n.children {
			emit(c, d+1)
		}
	}
	for _, r := range roots {
		if n, ok := nodes[r]; ok {
			emit(n, 0)
		}
	}
	if out == nil {
		out = []TreeRow{}
	}
	return out
}
