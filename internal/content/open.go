package content

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"

	"github.com/strata-dev/strata/internal/image"
)

// Open returns a regular-file entry's content: at random when the layer allows it, else by
// reading the layer stream up to the entry. The reader fails with io.ErrUnexpectedEOF if
// the layer holds fewer bytes than the entry claims.
func Open(l *image.Layer, e *image.Entry) (io.ReadCloser, error) {
	if e.Type != image.TypeFile || e.Whiteout != image.NotWhiteout {
		return nil, fmt.Errorf("entry %s: not a regular file", e.Path)
	}
	if err := checkSparse(l, e); err != nil {
		return nil, err
	}
	if l.ReaderAt != nil && !e.Sparse { // a sparse file's stored bytes are not its content
		return io.NopCloser(&exact{r: io.NewSectionReader(l.ReaderAt, e.Offset, e.Size), left: e.Size}), nil
	}
	if l.Open == nil {
		return nil, ErrUnavailable
	}
	rc, err := l.Open()
	if err != nil {
		return nil, err
	}
	pos := &counter{r: rc}
	tr := tar.NewReader(pos)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			rc.Close()
			return nil, fmt.Errorf("entry %s: not found again in the layer stream", e.Path)
		}
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("entry %s: %w", e.Path, err)
		}
		if pos.n == e.Offset && hdr.Size == e.Size {
			return struct {
				io.Reader
				io.Closer
			}{&exact{r: tr, left: e.Size}, rc}, nil
		}
	}
}

// exact reads exactly left bytes, turning an early end into io.ErrUnexpectedEOF.
type exact struct {
	r    io.Reader
	left int64
}

func (x *exact) Read(p []byte) (int, error) {
	if x.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > x.left {
		p = p[:x.left]
	}
	n, err := x.r.Read(p)
	x.left -= int64(n)
	if errors.Is(err, io.EOF) && x.left > 0 {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}
