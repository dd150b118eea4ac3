package packages

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/packages/rpmdb"
)

// available reports whether an entry's content can be read (a streamed input keeps only
// what it was asked to keep).
func available(l *image.Layer, e *image.Entry) bool {
	if l.ReaderAt != nil || l.Open != nil {
		return true
	}
	b, ok := l.Kept[e.Offset]
	return ok && int64(len(b)) == e.Size
}

// errStop ends a layer's reading early: the error to report is recorded apart.
var errStop = errors.New("stop")

// ErrUnavailable means a database's content cannot be read: the input was streamed and the
// file was not kept.
var ErrUnavailable = errors.New("content not available: the input was streamed (standard input) and this file was not kept; save the archive to a file")

// read reads every version of every location that matters, each layer at most once, and
// parses it. A database that cannot be read or parsed is an error; an application file (a
// binary, a jar, a package.json) that cannot be is a warning.
func (a *analysis) read() error {
	n := len(a.img.Layers)
	var refs []content.Ref
	jobs := map[*image.Entry][]*version{}
	skipped, skippedEx := 0, []string(nil) // binaries and archives a stream did not keep
	for _, loc := range a.s.order {
		for _, v := range loc.versions {
			if v.entry == nil || v.until <= v.layer {
				continue
			}
			if loc.kind == kOSRelease && v.until != n {
				continue
			}
			l := a.img.Layers[v.elay]
			if !available(l, v.entry) {
				if loc.kind == kBinary || loc.kind == kJar {
					if skipped++; len(skippedEx) < 3 {
						skippedEx = append(skippedEx, fmt.Sprintf("%s in layer %d", loc.path, v.layer))
					}
					continue
				}
				return fmt.Errorf("layer %d: %s: %w", v.layer, loc.path, ErrUnavailable)
			}
			if loc.kind != kBinary && loc.kind != kJar && v.entry.Size > a.lim.MaxFile {
				return fmt.Errorf("layer %d: %s: %w", v.layer, loc.path,
					limitErr("package-file", a.lim.MaxFile, "a package database of %d bytes, more than %d", v.entry.Size, a.lim.MaxFile))
			}
			if _, ok := jobs[v.entry]; !ok {
				refs = append(refs, content.Ref{Layer: l, Entry: v.entry})
			}
			jobs[v.entry] = append(jobs[v.entry], v)
		}
	}
	if skipped > 0 {
		a.warn("%d executables and archives not read (%s): the input was streamed and they were not kept (256 MiB in all at most); Go modules and Java artifacts in them are not listed: save the archive to a file",
			skipped, strings.Join(skippedEx, ", ")+map[bool]string{true: ", …", false: ""}[skipped > len(skippedEx)])
	}
	var mu sync.Mutex
	var parseErr error // the database that could not be parsed (of the lowest layer)
	errLayer, errPath := 0, ""
	// fail records err of the version at layer, path, unless a lower layer's is recorded:
	// layers are read in parallel, and the error reported is the lowest layer's (callers
	// hold mu).
	fail := func(layer int, path string, err error) {
		if parseErr == nil || layer < errLayer || layer == errLayer && path < errPath {
			parseErr, errLayer, errPath = fmt.Errorf("layer %d: %s: %w", layer, path, err), layer, path
		}
	}
	err := content.Each(refs, func(r content.Ref, rd io.Reader) error {
		vs := jobs[r.Entry]
		k := vs[0].loc.kind
		if k == kBinary || k == kJar {
			pkgs, warns, err := a.readApp(k, vs[0].loc.path, r.Entry, rd)
			mu.Lock()
			defer mu.Unlock()
			a.warns = append(a.warns, warns...)
			if err != nil {
				a.warns = append(a.warns, fmt.Sprintf("%s in layer %d: %v: not read", vs[0].loc.path, vs[0].layer, err))
			}
			for _, v := range vs {
				v.pkgs, v.read = pkgs, true
			}
			a.count(k, r.Entry.Size)
			if err := a.state(len(pkgs) * len(vs)); err != nil {
				fail(vs[0].layer, vs[0].loc.path, err)
			}
			return nil
		}
		if atomic.AddInt64(&a.total, r.Entry.Size) > a.lim.MaxTotal {
			mu.Lock()
			if parseErr == nil {
				parseErr = fmt.Errorf("layer %d: %s: %w", vs[0].layer, vs[0].loc.path,
					limitErr("package-bytes", a.lim.MaxTotal, "more than %d bytes of package databases and metadata", a.lim.MaxTotal))
			}
			mu.Unlock()
			return errStop
		}
		data := make([]byte, r.Entry.Size)
		if _, err := io.ReadFull(rd, data); err != nil {
			return err
		}
		for _, v := range vs {
			if atomic.LoadInt64(&a.listed) > int64(a.lim.MaxPaths) && (k == kDpkgList || k == kDpkgMD5 || k == kPyRecord) {
				continue // the report is already an error: hold no more lists
			}
			warns, err := a.parse(v, data)
			if err == nil {
				err = a.state(len(v.pkgs))
			}
			if err == nil && atomic.AddInt64(&a.listed, int64(listed(v))) > int64(a.lim.MaxPaths) {
				// Checked as the lists are read, not once all are held (the index checks again).
				err = limitErr("package-paths", int64(a.lim.MaxPaths), "file lists naming more than %d paths in all", a.lim.MaxPaths)
			}
			mu.Lock()
			a.warns = append(a.warns, warns...)
			a.count(k, r.Entry.Size)
			if err != nil {
				fail(v.layer, v.loc.path, err)
			}
			mu.Unlock()
		}
		return nil
	})
	if parseErr != nil {
		return parseErr
	}
	if err != nil {
		return err
	}
	return a.readRPM()
}

// state counts n packages a version read states against the image's limit.
func (a *analysis) state(n int) error {
	if atomic.AddInt64(&a.stated, int64(n)) > int64(a.lim.MaxRecords) {
		return limitErr("image-packages", int64(a.lim.MaxRecords), "the image's databases and metadata state more than %d packages, every layer's version counted", a.lim.MaxRecords)
	}
	return nil
}

// listed is how many paths a version's file lists name.
func listed(v *version) int {
	n := len(v.list)
	for _, p := range v.pkgs {
		n += len(p.files)
	}
	return n
}

// count adds a file read to the ecosystem's summary (callers hold the lock or run alone).
func (a *analysis) count(k kind, size int64) {
	eco := ecosystemOf[k]
	if eco == "" {
		return
	}
	r := a.reads[eco]
	if r == nil {
		r = &Read{Ecosystem: eco, Databases: []string{}}
		a.reads[eco] = r
	}
	r.Files++
	r.Bytes += size
}

// parse reads one version of a text location.
func (a *analysis) parse(v *version, data []byte) ([]string, error) {
	v.read = true
	var warns []string
	var err error
	switch v.loc.kind {
	case kDpkgStatus, kDpkgStatusD:
		v.pkgs, warns, err = parseDpkgStatus(data, v.loc.path, a.lim)
		if err != nil && !errors.Is(err, ErrLimit) {
			err = malformed("%v", err)
		}
	case kDpkgList:
		v.list, err = parseDpkgList(data, a.lim)
	case kDpkgMD5:
		v.list, err = parseMD5sums(data, a.lim)
	case kDpkgDiversions:
		v.divert, err = parseDiversions(data, a.lim)
	case kAPK:
		v.pkgs, warns, err = parseAPK(data, v.loc.path, a.lim)
	case kRPM:
		if a.walOverlaps(v) {
			v.data = data // read with the log, once both are (readRPM)
		} else {
			v.pkgs, err = a.parseRPM(data, nil, v.loc.path)
			v.parsed = true
		}
	case kRPMWal:
		v.data = data
	case kPyMeta:
		var p *pkgInfo
		p, warns, err = parsePyMetadata(data, v.loc.path)
		if p != nil {
			v.pkgs = []*pkgInfo{p}
		}
		if err != nil {
			warns, err = append(warns, err.Error()+": skipped"), nil
		}
	case kPyRecord:
		v.list, err = parsePyRecord(data, v.loc.path, a.lim)
		if err != nil && !errors.Is(err, ErrLimit) {
			warns, err = append(warns, err.Error()+": file list not read"), nil
		}
	case kNPM:
		var p *pkgInfo
		p, warns, err = parseNPM(data, v.loc.path)
		if p != nil {
			v.pkgs = []*pkgInfo{p}
		}
	case kOSRelease:
		v.osrel = parseOSRelease(data)
	}
	return warns, err
}

// readApp reads a binary or an archive: at random when the layer allows it, else whole
// into memory when it is small enough, else (a Go binary) by scanning the stream.
func (a *analysis) readApp(k kind, loc string, e *image.Entry, r io.Reader) ([]*pkgInfo, []string, error) {
	ra, ok := r.(io.ReaderAt)
	if !ok {
		if e.Size <= a.lim.MaxBuffer {
			b := make([]byte, e.Size)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, nil, err
			}
			ra = bytes.NewReader(b)
		} else if k == kBinary {
			bi, err := scanGoBinary(r)
			if err != nil || bi == nil {
				return nil, nil, err
			}
			return goPackages(bi, loc), nil, nil
		} else {
			return nil, nil, fmt.Errorf("an archive of %d bytes in a layer read as a stream, more than %d", e.Size, a.lim.MaxBuffer)
		}
	}
	if k == kJar {
		pkgs, warns := readJar(ra, e.Size, loc, 0, a.lim)
		return pkgs, warns, nil
	}
	bi, err := readGoBinary(ra, e.Size)
	if err != nil || bi == nil {
		return nil, nil, err
	}
	return goPackages(bi, loc), nil, nil
}

// walOverlaps reports whether an rpm database's version is ever paired with a non-empty
// write-ahead log. One that is not is parsed as it is read, and its bytes dropped: only the
// versions a log changes are held until readRPM (eight layers' 250 MB databases held 2 GB).
func (a *analysis) walOverlaps(v *version) bool {
	wal := a.s.locs[v.loc.path+"-wal"]
	if wal == nil {
		return false
	}
	for _, w := range wal.versions {
		if w.entry != nil && w.entry.Size > 0 && w.layer < v.until && v.layer < w.until {
			return true
		}
	}
	return false
}

// readRPM pairs each rpm sqlite database with its write-ahead log as of each layer, and
// reads every distinct pair once (a database no log changes was parsed as it was read).
func (a *analysis) readRPM() error {
	for _, loc := range a.s.order {
		if loc.kind != kRPM {
			continue
		}
		wal := a.s.locs[loc.path+"-wal"]
		var cuts []int
		for _, v := range loc.versions {
			cuts = append(cuts, v.layer, v.until)
		}
		if wal != nil {
			for _, w := range wal.versions {
				cuts = append(cuts, w.layer, w.until)
			}
		}
		sort.Ints(cuts)
		type pair struct{ db, wal *version }
		parsed := map[pair][]*pkgInfo{}
		var out []*version
		var last pair
		for i := 0; i+1 < len(cuts); i++ {
			from, to := cuts[i], cuts[i+1]
			if from == to {
				continue
			}
			db := loc.at(from)
			if db == nil || !db.read {
				continue
			}
			var w *version
			if wal != nil {
				w = wal.at(from)
			}
			p := pair{db, w}
			pkgs, ok := parsed[p]
			if !ok && db.parsed && (w == nil || len(w.data) == 0) {
				pkgs, ok = db.pkgs, true
				parsed[p] = pkgs
			}
			if !ok {
				var walData []byte
				if w != nil {
					walData = w.data
				}
				var err error
				if pkgs, err = a.parseRPM(db.data, walData, loc.path); err != nil {
					return fmt.Errorf("layer %d: %s: %w", from, loc.path, err)
				}
				if err := a.state(len(pkgs)); err != nil { // a database read whole is counted as it was read
					return fmt.Errorf("layer %d: %s: %w", from, loc.path, err)
				}
				parsed[p] = pkgs
			}
			if n := len(out); n > 0 && out[n-1].until == from && last == p {
				out[n-1].until = to
				continue
			}
			last = p
			out = append(out, &version{loc: loc, layer: from, until: to, entry: db.entry, read: true, pkgs: pkgs})
		}
		sideBySide(out)
		for _, v := range loc.versions {
			v.data = nil
		}
		if wal != nil {
			for _, w := range wal.versions {
				w.data = nil
			}
		}
		loc.versions = out
	}
	return nil
}

// sideBySide gives each version of an installonly package (a kernel: several versions of
// one name and architecture installed side by side) a key of its own, in every version of
// the database once any version holds two: a kernel a later layer adds beside the old one
// is an install there, and the old one stays installed by its own layer (not removed and
// installed again, as keys decided database by database made it).
func sideBySide(vs []*version) {
	multi := map[string]bool{}
	for _, v := range vs {
		seen := map[string]bool{}
		for _, p := range v.pkgs {
			if seen[p.key] {
				multi[p.key] = true
			}
			seen[p.key] = true
		}
	}
	if len(multi) == 0 {
		return
	}
	done := map[*pkgInfo]bool{} // versions read from one database pair share their packages
	for _, v := range vs {
		for _, p := range v.pkgs {
			if multi[p.key] && !done[p] {
				done[p] = true
				p.key += "@" + p.version
			}
		}
	}
}

// parseRPM reads an rpm database's packages (the gpg-pubkey pseudo-packages rpm -qa lists
// are keys, not software, and are left out).
func (a *analysis) parseRPM(data, wal []byte, loc string) ([]*pkgInfo, error) {
	blobs, _, err := rpmdb.Blobs(data, wal, a.lim.MaxPackages)
	if errors.Is(err, rpmdb.ErrTooMany) {
		return nil, limitErr("packages", int64(a.lim.MaxPackages), "more than %d packages", a.lim.MaxPackages)
	}
	if err != nil {
		return nil, malformed("%v", err)
	}
	var out []*pkgInfo
	paths := 0
	for _, b := range blobs {
		h, err := rpmdb.ParseHeader(b, a.lim.MaxListPaths)
		if errors.Is(err, rpmdb.ErrTooMany) {
			return nil, limitErr("package-files", int64(a.lim.MaxListPaths), "a package of more than %d files", a.lim.MaxListPaths)
		}
		if err != nil {
			return nil, malformed("%v", err)
		}
		if h.Name == "gpg-pubkey" {
			continue
		}
		if paths += len(h.Files); paths > a.lim.MaxPaths {
			return nil, limitErr("package-paths", int64(a.lim.MaxPaths), "more than %d files in all", a.lim.MaxPaths)
		}
		ver := h.Version + "-" + h.Release
		if h.Epoch != "" {
			ver = h.Epoch + ":" + ver
		}
		p := &pkgInfo{eco: RPM, name: h.Name, version: ver, arch: h.Arch, location: loc, installed: h.Size,
			files: h.Files, hasFiles: true, source: h.SourceRPM, epoch: h.Epoch, distro: true}
		if h.License != "" {
			p.licenses = []string{h.License}
		}
		p.key = "rpm|" + h.Name + "." + h.Arch
		out = append(out, p)
	}
	return out, nil
}
