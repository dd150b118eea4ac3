package load

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"sync"
)

// store gives the resolver access to an archive's members, whatever holds them.
type store interface {
	// has reports whether a member (after following member links) exists.
	has(name string) bool
	// small returns a member's bytes; members over max bytes are refused with ErrLimit.
	small(name string, max int64) ([]byte, error)
	// blobs parses the named layer blobs (concurrently where the store allows).
	blobs(names []string, opts parseOpts) ([]*blob, error)
	// opener re-reads a member's uncompressed layer stream; nil when the store cannot.
	opener(name string, compression string, lim Limits) func() (io.ReadCloser, error)
	// readerAt gives random access to an uncompressed member; nil when the store cannot.
	readerAt(name string) io.ReaderAt
	// rootfs returns the entries of the archive itself, read as a root filesystem, and
	// ways to re-read it (nil when the store cannot).
	rootfs(opts parseOpts) (*blob, func() (io.ReadCloser, error), io.ReaderAt, error)
}

// parseAll runs parse for each distinct name, GOMAXPROCS at a time, and returns the blobs
// in order or the first error (by position) naming its member. A failure stops the other
// workers (bud) and launches no more.
func parseAll(names []string, bud *budget, parse func(name string) (*blob, error)) ([]*blob, error) {
	at := make(map[string]int, len(names))
	var uniq []string
	for _, n := range names {
		if _, ok := at[n]; !ok {
			at[n] = len(uniq)
			uniq = append(uniq, n)
		}
	}
	parsed := make([]*blob, len(uniq))
	errs := make([]error, len(uniq))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, name := range uniq {
		sem <- struct{}{}
		if bud.stopped() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			parsed[i], errs[i] = parse(name)
			if errs[i] != nil {
				bud.fail(errs[i])
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && !errors.Is(err, errStopped) {
			return nil, memberErr(memberName(uniq[i]), err)
		}
	}
	if err := bud.stopped(); err != nil {
		return nil, err
	}
	out := make([]*blob, len(names))
	for i, n := range names {
		out[i] = parsed[at[n]]
	}
	return out, nil
}

// member is one entry of an outer archive.
type member struct {
	name      string
	typeflag  byte
	link      string // for link members: the target member name, resolved
	off, size int64
	sparse    bool // a GNU sparse member: size is logical, not stored
}

// memberName normalises an archive member name: no leading "./" or "/", cleaned.
func memberName(name string) string {
	if rel, ok := cleanRel(name); ok {
		return rel // most names: a substring, no allocation
	}
	p, _ := cleanPath(name)
	return strings.TrimPrefix(p, "/")
}

// linkTarget resolves a link member's target to a member name. Symlinks are relative to
// the member's directory; hardlinks to the archive root.
func linkTarget(name string, typeflag byte, link string) string {
	if typeflag == '2' && !strings.HasPrefix(link, "/") {
		return memberName(path.Join(path.Dir(name), link))
	}
	return memberName(link)
}

// errSparseMember refuses a GNU sparse member where an image document or layer blob is
// expected: its stored bytes are not its content.
var errSparseMember = fmt.Errorf("%w: a sparse member cannot be an image document or layer", ErrMalformed)

// resolveMember follows link members to a regular one, refusing loops and, when
// lim.MaxLinkHops is set, chains longer than that.
func resolveMember(members map[string]*member, name string, lim Limits) (*member, error) {
	name = memberName(name)
	seen := map[string]bool{}
	for hops := 0; ; hops++ {
		m, ok := members[name]
		if !ok {
			return nil, fmt.Errorf("%w: member %s", ErrMissing, name)
		}
		if m.link == "" {
			switch {
			case m.typeflag == '5':
				return nil, fmt.Errorf("%w: member %s is a directory", ErrMalformed, name)
			case m.sparse:
				return nil, fmt.Errorf("member %s: %w", name, errSparseMember)
			case m.typeflag == tar.TypeChar || m.typeflag == tar.TypeBlock || m.typeflag == tar.TypeFifo:
				return nil, fmt.Errorf("%w: member %s is a device or FIFO, not a regular file", ErrMalformed, name)
			}
			return m, nil
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: member %s links back to itself", ErrLinkLoop, name)
		}
		seen[name] = true
		if lim.MaxLinkHops > 0 && hops >= lim.MaxLinkHops {
			return nil, fmt.Errorf("%w: member %s: more than %d link hops", ErrLinkLoop, name, lim.MaxLinkHops)
		}
		name = m.link
	}
}

// isTarHeader reports whether block (512 bytes) is a tar header with a valid checksum, or
// the all-zero block of an empty archive.
func isTarHeader(block []byte) bool {
	if len(block) < 512 {
		return false
	}
	zero := true
	for _, c := range block[:512] {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		return true
	}
	field := strings.TrimRight(strings.TrimLeft(string(block[148:156]), " \x00"), " \x00")
	var want int64
	for _, c := range field {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int64(c-'0')
	}
	var unsigned, signed int64
	for i, c := range block[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return field != "" && (want == unsigned || want == signed)
}
