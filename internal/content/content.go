// Package content reads file contents out of image layers on demand: at random where the
// layer allows it, in one streaming pass otherwise, never extracting anything.
package content

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/strata-dev/strata/internal/image"
)

// ErrUnavailable means a layer's content cannot be read again (it was streamed without
// file hashing).
var ErrUnavailable = errors.New("content not available: the input was streamed and file digests of this algorithm were not computed while reading it")

// Ref names one entry of one layer.
type Ref struct {
	Layer *image.Layer
	Entry *image.Entry
}

// Digests returns "<alg>:<hex>" of each regular-file ref, keyed by entry. Each layer is read
// at most once; layers are read in parallel. Digests computed at load time are reused.
func Digests(refs []Ref, alg string) (map[*image.Entry]string, error) {
	if _, err := NewHash(alg); err != nil {
		return nil, err
	}
	out := make(map[*image.Entry]string, len(refs))
	byLayer := map[*image.Layer][]*image.Entry{}
	empty, err := Empty(alg)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if r.Entry.Type != image.TypeFile {
			continue
		}
		if strings.HasPrefix(r.Entry.Digest(), alg+":") {
			out[r.Entry] = r.Entry.Digest()
			continue
		}
		if r.Entry.Size == 0 && !r.Entry.Sparse {
			out[r.Entry] = empty // nothing to read
			continue
		}
		if _, seen := out[r.Entry]; !seen {
			out[r.Entry] = ""
			byLayer[r.Layer] = append(byLayer[r.Layer], r.Entry)
		}
	}
	if err := eachLayer(byLayer, out, func(l *image.Layer, entries []*image.Entry) (map[*image.Entry]string, error) {
		return layerDigests(l, entries, alg)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func layerDigests(l *image.Layer, entries []*image.Entry, alg string) (map[*image.Entry]string, error) {
	out := make(map[*image.Entry]string, len(entries))
	buf := make([]byte, 256<<10)
	h, _ := NewHash(alg)
	err := eachContent(l, entries, func(e *image.Entry, r io.Reader) error {
		h.Reset()
		n, err := io.CopyBuffer(h, r, buf)
		if err == nil && n != e.Size {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		out[e] = Format(alg, h)
		return nil
	})
	return out, err
}

// eachContent calls fn with the content of each entry of the layer: at random when the
// layer allows it, in one pass over the layer stream otherwise. Errors name the entry.
func eachContent(l *image.Layer, entries []*image.Entry, fn func(e *image.Entry, r io.Reader) error) error {
	if len(l.Kept) > 0 {
		// Files kept while streaming are read from memory; the rest as below.
		var rest []*image.Entry
		for _, e := range entries {
			b, ok := l.Kept[e.Offset]
			if !ok || int64(len(b)) != e.Size {
				rest = append(rest, e)
				continue
			}
			if err := fn(e, bytes.NewReader(b)); err != nil {
				return fmt.Errorf("entry %s: %w", e.Path, err)
			}
		}
		if entries = rest; len(entries) == 0 {
			return nil
		}
	}
	sparse := false
	for _, e := range entries {
		sparse = sparse || e.Sparse
		if err := checkSparse(l, e); err != nil {
			return err
		}
	}
	if l.ReaderAt != nil && !sparse { // a sparse file's stored bytes are not its content
		for _, e := range entries {
			if err := fn(e, io.NewSectionReader(l.ReaderAt, e.Offset, e.Size)); err != nil {
				return fmt.Errorf("entry %s: %w", e.Path, err)
			}
		}
		return nil
	}
	if l.Open == nil {
		return ErrUnavailable
	}
	want := make(map[int64]*image.Entry, len(entries))
	for _, e := range entries {
		want[e.Offset] = e
	}
	rc, err := l.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	pos := &counter{r: rc}
	tr := tar.NewReader(pos)
	for len(want) > 0 {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		e, ok := want[pos.n]
		if !ok || hdr.Size != e.Size {
			continue
		}
		if err := fn(e, tr); err != nil {
			return fmt.Errorf("entry %s: %w", e.Path, err)
		}
		delete(want, e.Offset)
	}
	for _, e := range want {
		return fmt.Errorf("entry %s: not found again in the layer stream", e.Path)
	}
	return nil
}

// ErrTooLarge means a file is larger than a content read allows.
var ErrTooLarge = errors.New("file too large to read")

// Read returns the content of each regular-file ref, keyed by entry, reading only those
// files: each layer at most once, layers in parallel. A file larger than max bytes is an
// error wrapping ErrTooLarge (max <= 0: no bound).
func Read(refs []Ref, max int64) (map[*image.Entry][]byte, error) {
	out := make(map[*image.Entry][]byte, len(refs))
	byLayer := map[*image.Layer][]*image.Entry{}
	for _, r := range refs {
		if r.Entry.Type != image.TypeFile {
			continue
		}
		if max > 0 && r.Entry.Size > max {
			return nil, fmt.Errorf("%s (%d bytes, %d allowed): %w", r.Entry.Path, r.Entry.Size, max, ErrTooLarge)
		}
		if _, seen := out[r.Entry]; !seen {
			out[r.Entry] = nil
			byLayer[r.Layer] = append(byLayer[r.Layer], r.Entry)
		}
	}
	if err := eachLayer(byLayer, out, func(l *image.Layer, entries []*image.Entry) (map[*image.Entry][]byte, error) {
		got := make(map[*image.Entry][]byte, len(entries))
		err := eachContent(l, entries, func(e *image.Entry, r io.Reader) error {
			b := make([]byte, e.Size)
			if _, err := io.ReadFull(r, b); err != nil {
				return err
			}
			got[e] = b
			return nil
		})
		return got, err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// eachLayer runs read for each layer's entries, GOMAXPROCS layers at a time, and stores what
// it returns in out; the first failure (naming its layer) is returned once all have ended.
func eachLayer[T any](byLayer map[*image.Layer][]*image.Entry, out map[*image.Entry]T, read func(*image.Layer, []*image.Entry) (map[*image.Entry]T, error)) error {
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for l, entries := range byLayer {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			got, err := read(l, entries)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("reading layer %d (%s): %w", l.Index, l.Member, err)
				}
				return
			}
			for e, v := range got {
				out[e] = v
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// counter counts bytes read.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
