package html

import (
	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/explore"
	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/packages"
)

// Data is the document the page embeds, as base64(gzip(json)), and its script renders.
// Everything from the archive (names, commands, labels) travels here as JSON strings and is
// put on the page as text only.
type Data struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"` // "image" or "diff"
	Generator     string `json:"generator"`
	// Image is the report of a single image (Kind "image").
	Image *ImageData `json:"image,omitempty"`
	// Diff, Old and New make a diff report (Kind "diff"); New is a root filesystem in
	// export mode.
	Diff *diff.Result `json:"diff,omitempty"`
	Old  *ImageData   `json:"old,omitempty"`
	New  *ImageData   `json:"new,omitempty"`
	// PackagesDiff is a diff report's package diff; absent when not computed.
	PackagesDiff *packages.Diff `json:"packages_diff,omitempty"`
}

// ImageData is one image's part of the page.
type ImageData struct {
	Inspect *inspect.Report `json:"inspect"`
	History []history.Row   `json:"history"`
	Tree    *Tree           `json:"tree"`
	// Packages is the image's packages report (null when not read: PackagesError says why).
	Packages      *packages.Report `json:"packages"`
	PackagesError string           `json:"packages_error"`
}

// Tree is explore.Index in columns, for the explorer and the treemap: node i is Names[i],
// child of Parent[i] (pre-order, so a node's subtree ends where the next node of its depth
// or less begins). Its versions are the VCount[i] entries of the V* columns that follow
// those of node i-1, oldest first: visible as of layers VFrom to VTo-1, provided by
// VLayer (-1 for a directory no layer wrote).
type Tree struct {
	Names  []string `json:"names"`
	Parent []int32  `json:"parent"`
	VCount []int32  `json:"vcount"`
	VFrom  []int32  `json:"vfrom"`
	VTo    []int32  `json:"vto"`
	VLayer []int32  `json:"vlayer"`
	VType  []string `json:"vtype"` // image.Type names: file, dir, symlink, hardlink, …
	VSize  []int64  `json:"vsize"` // regular-file bytes the version shows (a hardlink its target's)
	// VInode is, per version, the version holding the inode a hardlink to a regular file
	// shares (explore.Index.Inodes), or -1: directory sizes count an inode once, at its
	// file when that is visible, else at the first such hardlink in path order.
	VInode []int32  `json:"vinode"`
	VMode  []uint32 `json:"vmode"` // permission bits
	VUID   []int    `json:"vuid"`
	VGID   []int    `json:"vgid"`
	// VLink maps a version (its position in the V* columns) to its link target, for
	// symlinks and hardlinks only.
	VLink map[int]string `json:"vlink"`
	// Changes[l] are the nodes layer l marks, in pre-order, and Marks[l] their marks, one
	// letter each (A added, M modified, D removed), as explore.Index computes them.
	Changes [][]int32 `json:"changes"`
	Marks   []string  `json:"marks"`
	// Sensitive are the nodes whose path looks like a secret (inspect.Sensitive).
	Sensitive []int32 `json:"sensitive"`
	// WasteNode[k] is the node of Inspect.Wasted[k]'s path, HiddenNode[k] that of
	// Inspect.Hidden[k] (-1 if the index has no such path).
	WasteNode  []int32 `json:"waste_node"`
	HiddenNode []int32 `json:"hidden_node"`
}

// tree lays an index out in columns.
func tree(x *explore.Index, r *inspect.Report) *Tree {
	n := len(x.Nodes)
	t := &Tree{
		Names: make([]string, n), Parent: make([]int32, n), VCount: make([]int32, n),
		VLink: map[int]string{}, Changes: make([][]int32, x.Layers), Marks: make([]string, x.Layers),
		Sensitive: []int32{}, WasteNode: make([]int32, len(r.Wasted)), HiddenNode: make([]int32, len(r.Hidden)),
	}
	paths := make([]string, n) // built once, parent first
	for i := range x.Nodes {
		nd := &x.Nodes[i]
		t.Names[i], t.Parent[i] = nd.Name, nd.Parent
		switch {
		case i == 0:
			paths[i] = "/"
		case nd.Parent == 0:
			paths[i] = "/" + nd.Name
		default:
			paths[i] = paths[nd.Parent] + "/" + nd.Name
		}
		if i > 0 && inspect.Sensitive(paths[i]) {
			t.Sensitive = append(t.Sensitive, int32(i))
		}
		vs := x.Versions(i)
		t.VCount[i] = int32(len(vs))
		for k := range vs {
			v := &vs[k]
			t.VFrom = append(t.VFrom, v.From)
			t.VTo = append(t.VTo, v.To)
			t.VLayer = append(t.VLayer, v.Layer)
			t.VType = append(t.VType, v.Type().String())
			t.VSize = append(t.VSize, v.Size())
			var mode uint32
			var uid, gid int
			if v.Entry != nil {
				mode, uid, gid = v.Entry.Mode, v.Entry.UID, v.Entry.GID
				if v.Entry.Link() != "" {
					t.VLink[len(t.VFrom)-1] = v.Entry.Link()
				}
			} else {
				mode = 0o600 // Docker's mode for a directory no layer wrote
			}
			t.VMode = append(t.VMode, mode)
			t.VUID = append(t.VUID, uid)
			t.VGID = append(t.VGID, gid)
		}
	}
	t.VInode = append([]int32{}, x.Inodes()...)
	for l := 0; l < x.Layers; l++ {
		ch := x.Changes(l)
		t.Changes[l] = append([]int32{}, ch...)
		marks := make([]byte, len(ch))
		for k, i := range ch {
			_, m := x.Shown(int(i), l)
			marks[k] = m.String()[0]
		}
		t.Marks[l] = string(marks)
	}
	byPath := make(map[string]int32, n)
	for i, p := range paths {
		byPath[p] = int32(i)
	}
	find := func(p string) int32 {
		if i, ok := byPath[p]; ok {
			return i
		}
		return -1
	}
	for k, w := range r.Wasted {
		t.WasteNode[k] = find(w.Path)
	}
	for k, h := range r.Hidden {
		t.HiddenNode[k] = find(h.Path)
	}
	return t
}
