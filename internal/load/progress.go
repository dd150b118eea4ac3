package load

import (
	"io"
	"sort"
	"sync/atomic"
)

// Progress counts the bytes Open reads from its input and names the archive member being
// read, for a progress display that polls it while Open runs (from another goroutine). A
// nil *Progress counts nothing and costs nothing. Directories (OCI layouts) are not counted.
type Progress struct {
	read   atomic.Int64
	_      [56]byte // read is written by every read: keep the rest off its cache line
	total  atomic.Int64
	off    atomic.Int64 // offset of a recent random read, for locate
	member atomic.Pointer[string]
	locate atomic.Pointer[func(off int64) string]
}

// Read is the number of input bytes read so far (compressed bytes for a compressed input).
func (p *Progress) Read() int64 { return p.read.Load() }

// Total is the size of the input in bytes, or 0 when unknown (standard input).
func (p *Progress) Total() int64 { return p.total.Load() }

// Member names the archive member being read, or "".
func (p *Progress) Member() string {
	if f := p.locate.Load(); f != nil {
		return (*f)(p.off.Load())
	}
	if m := p.member.Load(); m != nil {
		return *m
	}
	return ""
}

func (p *Progress) setMember(name string) {
	if p != nil {
		p.member.Store(&name)
	}
}

func (p *Progress) setTotal(n int64) {
	if p != nil {
		p.total.Store(n)
	}
}

// locateIn makes Member name the member of st holding the latest random read.
func (p *Progress) locateIn(st *tarStore) {
	if p == nil {
		return
	}
	ms := make([]*member, 0, len(st.members))
	for _, m := range st.members {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].off < ms[j].off })
	f := func(off int64) string {
		i := sort.Search(len(ms), func(i int) bool { return ms[i].off > off }) - 1
		if i < 0 || off >= ms[i].off+ms[i].size {
			return ""
		}
		return ms[i].name
	}
	p.locate.Store(&f)
}

// reader counts what r reads; r itself when p is nil.
func (p *Progress) reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &progressReader{r: r, p: p}
}

// readerAt counts what ra reads; ra itself when p is nil.
func (p *Progress) readerAt(ra io.ReaderAt) io.ReaderAt {
	if p == nil {
		return ra
	}
	return &progressReaderAt{ra: ra, p: p}
}

type progressReader struct {
	r io.Reader
	p *Progress
}

func (c *progressReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.read.Add(int64(n))
	return n, err
}

type progressReaderAt struct {
	ra io.ReaderAt
	p  *Progress
}

// ReadAt counts with one atomic add a call; the offset, for Member, is recorded only when
// the count crosses a 256 KiB boundary (a header-only pass makes many small reads).
func (c *progressReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.ra.ReadAt(b, off)
	if v := c.p.read.Add(int64(n)); v>>18 != (v-int64(n))>>18 {
		c.p.off.Store(off)
	}
	return n, err
}
