package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/image"
)

// ErrRegistry classes a failure of the registry a reference names: unreachable, refused,
// unauthorized, not found, or serving something other than what it promised.
var ErrRegistry = errors.New("registry")

// RegistryScheme is skopeo's prefix that makes an argument a registry reference always.
const RegistryScheme = "docker://"

// maxRemoteJobs bounds the layers streamed from a registry at once.
const maxRemoteJobs = 4

// looksLikeReference reports whether arg, which names no existing path, is to be looked up in
// a registry: it parses as a reference and says so by a tag, a digest, or a registry host
// (a first component with a dot or a port, or localhost). A bare word such as "missing.tar"
// or "build/app" is a missing file, not a Docker Hub repository.
func looksLikeReference(arg string) bool {
	if arg == "" || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") || strings.ContainsAny(arg, " \\") {
		return false
	}
	if _, err := name.ParseReference(arg); err != nil {
		return false
	}
	if strings.Contains(arg, "@") {
		return true
	}
	first, rest, slash := strings.Cut(arg, "/")
	if slash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return true
	}
	last := arg
	if slash {
		last = rest[strings.LastIndex(rest, "/")+1:]
	}
	return strings.Contains(last, ":")
}

// remoteStore serves a registry image as if it were an OCI image layout: index.json names
// the one manifest the reference (and --platform) selects; blobs/sha256/<hex> are fetched
// from the registry on demand, streamed and never written to disk.
type remoteStore struct {
	ctx    context.Context // ends at the --deadline
	cancel context.CancelFunc

	ref   name.Reference
	repo  name.Repository
	pull  *remote.Puller // one authenticated transport per repository, shared by every fetch
	lim   Limits
	bud   *budget
	cache *layerCache // per-layer entry indexes (--cache); nil when off
	prog  *Progress   // counts the blob bytes fetched for a progress display; nil counts nothing

	index     []byte            // the synthesized index.json
	manifests map[string][]byte // fetched manifests by hex digest
	sizes     map[string]int64  // declared blob sizes by hex digest, from the manifest

	mu sync.Mutex
}

// remoteOptions turns RemoteOptions into go-containerregistry options. ggcr's own retries
// are turned off: retryTransport retries, bounded, and honours Retry-After.
func remoteOptions(ctx context.Context, ro RemoteOptions) []remote.Option {
	keychain := ro.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	base := ro.Transport
	if base == nil {
		base = newHTTPTransport(ro)
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(keychain),
		remote.WithTransport(&guardTransport{next: newRetryTransport(base, ro), timeout: ro.timeout()}),
		remote.WithRetryStatusCodes(),
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithUserAgent("strata"),
	}
}

// openRemote reads the manifest (and, for an index, the one platform chosen) and returns a
// store for the rest. At most two requests for a single-platform image: the manifest here,
// the config when the resolver asks for it.
func openRemote(arg string, opts Options, bud *budget) (*remoteStore, error) {
	refName := strings.TrimPrefix(arg, RegistryScheme)
	var nopts []name.Option
	if opts.Remote.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	ref, err := name.ParseReference(refName, nopts...)
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid reference: %v", ErrRegistry, err)
	}
	s := &remoteStore{
		ref: ref, repo: ref.Context(), lim: opts.Limits, bud: bud, prog: opts.Progress,
		manifests: map[string][]byte{},
		sizes:     map[string]int64{},
	}
	s.ctx, s.cancel = context.WithCancel(bud.ctx)
	if at := opts.Remote.deadline(time.Now()); !at.IsZero() {
		d := opts.Remote.Deadline
		if d == 0 {
			d = DefaultDeadline
		}
		s.cancel()
		s.ctx, s.cancel = context.WithDeadlineCause(bud.ctx, at, &deadlineError{d})
	}
	pull, err := remote.NewPuller(remoteOptions(s.ctx, opts.Remote)...)
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("%w: %v", ErrRegistry, err)
	}
	s.pull = pull
	if opts.Remote.Cache != "" {
		s.cache = &layerCache{dir: opts.Remote.Cache, key: opts.Remote.CacheKey, warn: opts.Warn}
	}
	ok := false
	defer func() {
		if !ok {
			s.cancel()
		}
	}()
	raw, desc, err := s.manifest(ref)
	if err != nil {
		return nil, err
	}
	if desc.MediaType.IsIndex() {
		raw, desc, err = s.pickPlatform(raw, opts.Platform)
		if err != nil {
			return nil, err
		}
	}
	switch desc.MediaType {
	case types.DockerManifestSchema2, types.OCIManifestSchema1:
	case types.DockerManifestSchema1, types.DockerManifestSchema1Signed:
		return nil, fmt.Errorf("%w: %s is a Docker schema 1 manifest (deprecated, no config): convert it first, e.g. skopeo copy --format v2s2", ErrUnknownFormat, ref)
	default:
		return nil, fmt.Errorf("%w: %s: manifest media type %q is not an image", ErrUnknownFormat, ref, desc.MediaType)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest %s is not valid JSON: %v", ErrMalformed, desc.Digest, err)
	}
	s.sizes[m.Config.Digest.Hex] = m.Config.Size
	total := m.Config.Size
	for _, l := range m.Layers {
		if _, dup := s.sizes[l.Digest.Hex]; !dup {
			total += l.Size
		}
		s.sizes[l.Digest.Hex] = l.Size
	}
	s.prog.setTotal(total)
	d := v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size, Platform: desc.Platform}
	if tag, ok := ref.(name.Tag); ok {
		d.Annotations = map[string]string{annotationRefName: tag.String()}
	}
	s.index, err = json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{d}})
	ok = err == nil
	return s, err
}

// Close ends the conversation with the registry (a content reader still open fails).
func (s *remoteStore) Close() error {
	s.cancel()
	return nil
}

// deadlineError is the cause of a registry context ending at the --deadline.
type deadlineError struct{ d time.Duration }

func (e *deadlineError) Error() string {
	return fmt.Sprintf("the registry did not finish within the command's deadline of %s (--deadline raises it; --deadline 0 waits without one)", e.d)
}

// manifest fetches the manifest ref names (raw bytes, digest checked) within the JSON limit.
func (s *remoteStore) manifest(ref name.Reference) ([]byte, v1.Descriptor, error) {
	desc, err := s.pull.Get(s.ctx, ref)
	if err != nil {
		return nil, v1.Descriptor{}, s.registryErr(ref.String(), "manifest", err)
	}
	if max := s.lim.MaxJSON; max > 0 && int64(len(desc.Manifest)) > max {
		return nil, v1.Descriptor{}, limitErr("json", max, "manifest %s is %d bytes, more than %d allowed for a JSON document", ref, len(desc.Manifest), max)
	}
	if got := digestOf(desc.Manifest); got != desc.Digest.String() {
		return nil, v1.Descriptor{}, fmt.Errorf("%w: manifest %s: its digest is %s, the registry says %s", ErrCorrupt, ref, got, desc.Digest)
	}
	if d, ok := ref.(name.Digest); ok && d.DigestStr() != desc.Digest.String() {
		return nil, v1.Descriptor{}, fmt.Errorf("%w: manifest %s: the registry served %s", ErrCorrupt, ref, desc.Digest)
	}
	s.mu.Lock()
	s.manifests[desc.Digest.Hex] = desc.Manifest
	s.mu.Unlock()
	return desc.Manifest, desc.Descriptor, nil
}

// pickPlatform chooses one image of an index: --platform when given, else the machine's
// own platform when the index has it; otherwise it refuses, listing what the index holds.
func (s *remoteStore) pickPlatform(raw []byte, want Platform) ([]byte, v1.Descriptor, error) {
	var idx v1.IndexManifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("%w: index %s is not valid JSON: %v", ErrMalformed, s.ref, err)
	}
	var images []v1.Descriptor
	var listed []string
	for _, d := range idx.Manifests {
		if d.Annotations[annotationRefType] == "attestation-manifest" || d.Platform == nil || d.Platform.OS == "unknown" {
			continue
		}
		images = append(images, d)
		listed = append(listed, platformString(d.Platform))
	}
	sort.Strings(listed)
	wanted := want
	if wanted.IsZero() {
		wanted = hostPlatform()
	}
	var match []v1.Descriptor
	for _, d := range images {
		if wanted.Matches(platformString(d.Platform)) {
			match = append(match, d)
		}
	}
	if len(match) == 0 {
		if want.IsZero() {
			return nil, v1.Descriptor{}, &hinted{
				err:  fmt.Errorf("%w: %s is an index without this machine's platform (%s)", ErrAmbiguous, s.ref, wanted),
				hint: "pick one with --platform: " + strings.Join(listed, ", "),
			}
		}
		return nil, v1.Descriptor{}, &hinted{
			err:  fmt.Errorf("%w matches %s in %s", ErrNoMatch, want, s.ref),
			hint: "the index holds: " + strings.Join(listed, ", "),
		}
	}
	if len(match) > 1 && want.IsZero() {
		// linux/arm64 offered as v8 and without a variant, say: the first, as Docker does.
		match = match[:1]
	}
	if len(match) > 1 {
		return nil, v1.Descriptor{}, &hinted{
			err:  fmt.Errorf("%w: %d images of %s match %s", ErrAmbiguous, len(match), s.ref, want),
			hint: "be more precise with --platform: " + strings.Join(listed, ", "),
		}
	}
	child := match[0]
	raw, desc, err := s.manifest(s.repo.Digest(child.Digest.String()))
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	desc.Platform = child.Platform
	if desc.MediaType.IsIndex() {
		return nil, v1.Descriptor{}, fmt.Errorf("%w: %s: nested indexes are not read from a registry", ErrUnknownFormat, s.ref)
	}
	return raw, desc, nil
}

// registryErr says what the registry answered when asked for what of ref: the deadline
// when it passed, the stall or redirect loop when there was one, else its own words.
func (s *remoteStore) registryErr(ref, what string, err error) error {
	var de *deadlineError
	if cause := context.Cause(s.ctx); errors.As(cause, &de) {
		return fmt.Errorf("%w: %s %s: %w", ErrRegistry, what, ref, cause)
	}
	switch {
	case errors.Is(err, ErrNoProgress):
		return fmt.Errorf("%w: %s %s: %w", ErrRegistry, what, ref, unwrapTo(err, ErrNoProgress))
	case errors.Is(err, ErrRedirectLoop):
		return fmt.Errorf("%w: %s %s: %w", ErrRegistry, what, ref, unwrapTo(err, ErrRedirectLoop))
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %s %s: %v", ErrRegistry, what, ref, err)
	}
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return fmt.Errorf("%w: %s: %s", ErrRegistry, what, msg)
}

// unwrapTo returns the innermost error of err's chain that still is target (the message
// without the URL wrappers of net/http and go-containerregistry), or err.
func unwrapTo(err, target error) error {
	found := err
	for e := err; e != nil && e != target; e = errors.Unwrap(e) {
		if errors.Is(e, target) {
			found = e
		}
	}
	return found
}

func (s *remoteStore) has(name string) bool {
	switch name {
	case "index.json", "oci-layout":
		return true
	}
	return s.hexOf(name) != ""
}

// hexOf returns the hex digest a blobs/sha256/<hex> member names, or "".
func (s *remoteStore) hexOf(member string) string {
	hex, ok := strings.CutPrefix(memberName(member), "blobs/sha256/")
	if !ok || len(hex) != 64 || !isHex(hex) {
		return ""
	}
	return hex
}

func (s *remoteStore) small(member string, max int64) ([]byte, error) {
	switch member {
	case "index.json":
		return s.index, nil
	case "oci-layout":
		return []byte(`{"imageLayoutVersion":"1.0.0"}`), nil
	}
	hex := s.hexOf(member)
	if hex == "" {
		return nil, fmt.Errorf("%w: %s", ErrMissing, member)
	}
	s.mu.Lock()
	raw, ok := s.manifests[hex]
	s.mu.Unlock()
	if ok {
		return raw, nil
	}
	if size := s.sizes[hex]; max > 0 && size > max {
		return nil, limitErr("json", max, "%s is %d bytes, more than %d allowed for a JSON document", member, size, max)
	}
	rc, err := s.fetch(hex)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var r io.Reader = rc
	if max > 0 {
		r = io.LimitReader(rc, max+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if max > 0 && int64(len(b)) > max {
		return nil, limitErr("json", max, "%s is more than %d bytes allowed for a JSON document", member, max)
	}
	return b, nil
}

// fetch streams blob hex from the registry. The reader fails at its end unless the bytes
// have the digest and the size the manifest declares.
func (s *remoteStore) fetch(hex string) (io.ReadCloser, error) {
	ref := s.repo.Digest("sha256:" + hex)
	l, err := s.pull.Layer(s.ctx, ref)
	if err != nil {
		return nil, s.registryErr(ref.String(), "blob", err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, s.registryErr(ref.String(), "blob", err)
	}
	size, ok := s.sizes[hex]
	if !ok {
		size = -1
	}
	return &checkedBlob{rc: rc, ref: ref.String(), size: size, s: s}, nil
}

// checkedBlob turns go-containerregistry's verification failures and short or long blobs
// into strata's classes of bad input.
type checkedBlob struct {
	rc   io.ReadCloser
	s    *remoteStore
	ref  string
	size int64 // declared, or -1
	n    int64
}

func (b *checkedBlob) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if b.size >= 0 && b.n > b.size {
		return n, fmt.Errorf("%w: blob %s is longer than the %d bytes its descriptor declares", ErrCorrupt, b.ref, b.size)
	}
	switch {
	case err == io.EOF:
		if b.size >= 0 && b.n < b.size {
			return n, fmt.Errorf("%w: blob %s ends after %d of the %d bytes its descriptor declares", ErrTruncated, b.ref, b.n, b.size)
		}
	case err != nil:
		if errors.Is(err, ErrNoProgress) || context.Cause(b.s.ctx) != nil {
			return n, b.s.registryErr(b.ref, "blob", err)
		}
		if strings.Contains(err.Error(), "error verifying") || strings.Contains(err.Error(), "digest") {
			return n, fmt.Errorf("%w: blob %s: %v", ErrCorrupt, b.ref, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, fmt.Errorf("%w: blob %s ends after %d bytes: %v", ErrTruncated, b.ref, b.n, err)
		}
		return n, b.s.registryErr(b.ref, "blob", err)
	}
	return n, err
}

func (b *checkedBlob) Close() error { return b.rc.Close() }

func (s *remoteStore) blobs(names []string, opts parseOpts) ([]*blob, error) {
	opts.budget = s.bud
	return parseAll(names, s.bud, func(member string) (*blob, error) {
		hex := s.hexOf(member)
		if hex == "" {
			return nil, fmt.Errorf("%w: %s", ErrMissing, member)
		}
		// The cache holds headers (and the file digests computed as the blob streamed): a
		// question about every byte (--verify) fetches the blob.
		if !opts.hash {
			if b := s.cache.get(hex, opts.hashFiles, s.declared(hex), s.lim); b != nil {
				return b, nil
			}
		}
		rc, err := s.fetch(hex)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		s.prog.setMember(memberName(member))
		r := s.prog.reader(rc)
		b, err := parseBlob(r, s.sizes[hex], opts)
		if err != nil {
			return nil, err
		}
		// Read to the end, so the digest and the size are checked.
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
		s.cache.put(hex, opts.hashFiles, b)
		return b, nil
	})
}

func (s *remoteStore) opener(member, compression string, lim Limits) func() (io.ReadCloser, error) {
	hex := s.hexOf(member)
	if hex == "" {
		return nil
	}
	return func() (io.ReadCloser, error) {
		rc, err := s.fetch(hex)
		if err != nil {
			return nil, err
		}
		return decompressOwning(rc, rc, compression, lim)
	}
}

func (s *remoteStore) readerAt(string) io.ReaderAt { return nil }

func (s *remoteStore) rootfs(parseOpts) (*blob, func() (io.ReadCloser, error), io.ReaderAt, error) {
	return nil, nil, nil, fmt.Errorf("%w: a registry image is not a root filesystem", ErrUnknownFormat)
}

// resolveRemote reads the image a registry reference names into the model.
// The store, returned as the closer, ends the conversation (and the deadline's timer).
func resolveRemote(arg string, opts Options, bud *budget) (*image.Image, io.Closer, error) {
	st, err := openRemote(arg, opts, bud)
	if err != nil {
		return nil, nil, &lookupError{err}
	}
	src := image.Source{Path: arg, Format: image.FormatRegistry, Compression: CompressionNone}
	opts.configs = &configCache{}
	img, err := resolveOCI(st, src, opts)
	return img, st, err
}

// lookupError is a failure to look a reference up (its manifest), as opposed to a failure
// reading the image it names.
type lookupError struct{ err error }

func (e *lookupError) Error() string { return e.err.Error() }
func (e *lookupError) Unwrap() error { return e.err }

// notFileNorImage says both why arg is not a file and what the registry said, when the
// registry did not serve its manifest; once it did, arg is an image and its errors are its own.
func notFileNorImage(arg string, regErr error) error {
	var h *hinted
	var le *lookupError
	if errors.As(regErr, &h) || !errors.As(regErr, &le) {
		return regErr
	}
	return fmt.Errorf("%w: no such file or directory, and as a registry reference: %w", ErrMissing, regErr)
}

// declared is the stored size the manifest declares for blob hex, or -1.
func (s *remoteStore) declared(hex string) int64 {
	if n, ok := s.sizes[hex]; ok {
		return n
	}
	return -1
}

// cached returns the --cache index of a layer blob without fetching it, or nil.
func (s *remoteStore) cached(member string, lim Limits) *blob {
	hex := s.hexOf(member)
	if hex == "" {
		return nil
	}
	return s.cache.get(hex, "", s.declared(hex), lim)
}
