package packages

import (
	"path"
	"strings"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// resolver looks paths up in the final filesystem as the kernel would open them: symbolic
// links in directories followed (relative to the directory holding them, at most 40 in a
// walk), the last component not. Directories are cached.
type resolver struct {
	fs   *fstree.FS
	dirs map[string]*fstree.Node // directory path as written → its node (nil: none)
}

func newResolver(fs *fstree.FS) *resolver {
	return &resolver{fs: fs, dirs: map[string]*fstree.Node{"/": fs.Root}}
}

// dir returns the directory node p names, following every symbolic link on the way.
func (r *resolver) dir(p string) *fstree.Node {
	if n, ok := r.dirs[p]; ok {
		return n
	}
	hops := 0
	n := r.walk(p, &hops, true)
	r.dirs[p] = n
	return n
}

// walk resolves p component by component; follow says whether a symlink as the last
// component is followed too.
func (r *resolver) walk(p string, hops *int, follow bool) *fstree.Node {
	n := r.fs.Root
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i, c := range parts {
		switch c {
		case "", ".":
			continue
		case "..":
			if n.Parent() != nil {
				n = n.Parent()
			}
			continue
		}
		if !n.IsDir() {
			return nil
		}
		child := r.fs.Child(n, c)
		if child == nil {
			return nil
		}
		last := i == len(parts)-1
		if child.Entry != nil && child.Entry.Type == image.TypeSymlink && (!last || follow) {
			if *hops++; *hops > 40 {
				return nil
			}
			target := child.Entry.Link()
			if !strings.HasPrefix(target, "/") {
				target = n.Path() + "/" + target
			}
			rest := strings.Join(parts[i+1:], "/")
			return r.walk(path.Clean(target+"/"+rest), hops, follow)
		}
		n = child
	}
	return n
}

// lookup returns the node at p, directories' links followed, the last component not.
func (r *resolver) lookup(p string) *fstree.Node {
	d, base := path.Split(p)
	dn := r.dir(path.Clean(d))
	if dn == nil || !dn.IsDir() || base == "" {
		return nil
	}
	return r.fs.Child(dn, base)
}

// canonical is p with its directory resolved: the path an entry for that file has in a
// layer written after the links existed ("/bin/ls" is "/usr/bin/ls" on a merged /usr).
func (r *resolver) canonical(p string) string {
	d, base := path.Split(p)
	dn := r.dir(path.Clean(d))
	if dn == nil {
		return p
	}
	dp := dn.Path()
	if dp == "/" {
		return "/" + base
	}
	return dp + "/" + base
}

// content returns the entry whose bytes the node at p holds (a hardlink's target) and the
// node's own entry, or nil when p is not a regular file.
func (r *resolver) content(p string) *image.Entry {
	n := r.lookup(p)
	if n == nil || n.Entry == nil {
		return nil
	}
	switch n.Entry.Type {
	case image.TypeFile:
		return n.Entry
	case image.TypeHardlink:
		return n.Target
	}
	return nil
}
