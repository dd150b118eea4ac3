package check

import (
	"errors"
	"fmt"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
)

// lookup finds p in the merged filesystem as a process in the container would
// (fstree.Resolve: symlinks in directory components followed, the last component only when
// follow is set). It returns nil when nothing is there, and an error for a symlink loop.
func lookup(fs *fstree.FS, p string, follow bool) (*fstree.Node, error) {
	n, err := fs.Resolve(p, follow)
	switch {
	case errors.Is(err, fstree.ErrLinkLoop):
		return nil, fmt.Errorf("%s: %w", p, fstree.ErrLinkLoop)
	case err != nil:
		return nil, nil
	}
	return n, nil
}

// contentOf returns the entry whose bytes a node's content is, and its layer: a regular file
// itself, a hardlink's target; nil for anything else.
func contentOf(n *fstree.Node) (*image.Entry, int) {
	if n == nil {
		return nil, 0
	}
	f, err := fstree.Content("", 0, n.Entry, int(n.Layer), n.Target, int(n.TargetLayer))
	if err != nil {
		return nil, 0
	}
	return f.Entry, f.Layer
}

// modeString writes a node's type and mode as `ls -l` does: -rwsr-xr-x, drwxrwxrwt.
func modeString(n *fstree.Node) string {
	t, mode := byte('d'), uint32(fstree.ImpliedMode)
	if n.Entry != nil {
		mode = n.Entry.Mode
		t = map[image.Type]byte{image.TypeFile: '-', image.TypeDir: 'd', image.TypeSymlink: 'l', image.TypeHardlink: '-',
			image.TypeChar: 'c', image.TypeBlock: 'b', image.TypeFifo: 'p'}[n.Entry.Type]
	}
	b := []byte{t, '-', '-', '-', '-', '-', '-', '-', '-', '-'}
	for i, c := range "rwxrwxrwx" {
		if mode&(1<<(8-i)) != 0 {
			b[i+1] = byte(c)
		}
	}
	special := func(i int, bit uint32, set, unset byte) {
		if mode&bit != 0 {
			if b[i] == 'x' {
				b[i] = set
			} else {
				b[i] = unset
			}
		}
	}
	special(3, 04000, 's', 'S')
	special(6, 02000, 's', 'S')
	special(9, 01000, 't', 'T')
	return string(b)
}

// goModeString writes the mode as Go's os.FileMode.String does (container-structure-test
// compares with it): type and special-bit letters first, then rwx.
func goModeString(n *fstree.Node) string {
	mode := uint32(fstree.ImpliedMode)
	typ := image.TypeDir
	if n.Entry != nil {
		mode, typ = n.Entry.Mode, n.Entry.Type
	}
	var b []byte
	switch typ {
	case image.TypeDir:
		b = append(b, 'd')
	case image.TypeSymlink:
		b = append(b, 'L')
	case image.TypeChar:
		b = append(b, 'D', 'c')
	case image.TypeBlock:
		b = append(b, 'D')
	case image.TypeFifo:
		b = append(b, 'p')
	}
	if mode&04000 != 0 {
		b = append(b, 'u')
	}
	if mode&02000 != 0 {
		b = append(b, 'g')
	}
	if mode&01000 != 0 {
		b = append(b, 't')
	}
	if len(b) == 0 {
		b = append(b, '-')
	}
	for i, c := range "rwxrwxrwx" {
		if mode&(1<<(8-i)) != 0 {
			b = append(b, byte(c))
		} else {
			b = append(b, '-')
		}
	}
	return string(b)
}
