package load

import (
	"errors"
	"io"
)

// section reads bytes [off, off+n) of an io.ReaderAt through a buffer, and seeks within
// them, so that archive/tar reads densely packed headers with few system calls and skips
// file bodies without reading them. Each section has its own position: sections over one
// file can be read concurrently.
type section struct {
	ra       io.ReaderAt
	off, n   int64
	pos      int64 // relative to off
	buf      []byte
	bufStart int64 // relative position of buf[0]
}

const sectionBuf = 64 << 10

func newSection(ra io.ReaderAt, off, n int64) *section {
	return &section{ra: ra, off: off, n: n}
}

func (s *section) Read(p []byte) (int, error) {
	if s.pos >= s.n {
		return 0, io.EOF
	}
	if len(p) >= sectionBuf {
		// Large reads bypass the buffer.
		if rem := s.n - s.pos; int64(len(p)) > rem {
			p = p[:rem]
		}
		k, err := s.ra.ReadAt(p, s.off+s.pos)
		s.pos += int64(k)
		if err == io.EOF && s.pos < s.n {
			err = io.ErrUnexpectedEOF
		} else if err == io.EOF {
			err = nil
		}
		return k, err
	}
	if s.pos < s.bufStart || s.pos >= s.bufStart+int64(len(s.buf)) {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	k := copy(p, s.buf[s.pos-s.bufStart:])
	s.pos += int64(k)
	return k, nil
}

func (s *section) fill() error {
	want := int64(sectionBuf)
	if rem := s.n - s.pos; rem < want {
		want = rem
	}
	if cap(s.buf) < sectionBuf {
		s.buf = make([]byte, sectionBuf)
	}
	s.buf = s.buf[:want]
	k, err := s.ra.ReadAt(s.buf, s.off+s.pos)
	s.buf = s.buf[:k]
	s.bufStart = s.pos
	if k == 0 {
		if err == nil || err == io.EOF {
			return io.ErrUnexpectedEOF // the file is shorter than its index said
		}
		return err
	}
	return nil
}

func (s *section) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.pos
	case io.SeekEnd:
		offset += s.n
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	s.pos = offset
	return offset, nil
}

// ReadAt makes a section usable as an io.ReaderAt for content reads.
func (s *section) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.n {
		return 0, io.EOF
	}
	if rem := s.n - off; int64(len(p)) > rem {
		k, err := s.ra.ReadAt(p[:rem], s.off+off)
		if err == nil {
			err = io.EOF
		}
		return k, err
	}
	return s.ra.ReadAt(p, s.off+off)
}
