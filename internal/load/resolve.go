package load

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/image"
)

// dockerManifest is one entry of a docker save's manifest.json.
type dockerManifest struct {
	Config       string
	RepoTags     []string
	Layers       []string
	Parent       string                   `json:",omitempty"`
	LayerSources map[string]v1.Descriptor `json:",omitempty"`
}

// resolve turns a store into the one image the options select.
func resolve(st store, src image.Source, dir bool, opts Options) (*image.Image, error) {
	opts.configs = &configCache{}
	hasManifest := st.has("manifest.json")
	hasIndex := st.has("index.json")
	switch {
	case hasManifest && hasIndex:
		// Docker 25+ and containerd (ctr images export): manifest.json beside an OCI index.
		// Both describe the same images; one answer whatever the options.
		src.Format = image.FormatDockerArchiveOCI
		return resolveDockerOCI(st, src, opts)
	case hasManifest:
		isDir, err := isDirLayout(st, opts.Limits)
		if err != nil {
			return nil, err
		}
		if isDir {
			src.Format = image.FormatDirArchive
			if dir {
				src.Format = image.FormatDir
			}
			return resolveDirLayout(st, src, opts)
		}
		src.Format = image.FormatDockerArchive
		return resolveDocker(st, src, opts)
	case hasIndex:
		src.Format = image.FormatOCIArchive
		if dir {
			src.Format = image.FormatOCILayout
		}
		return resolveOCI(st, src, opts)
	case dir:
		return nil, fmt.Errorf("%w: directory has neither index.json (OCI image layout) nor manifest.json (docker save or containers/image dir: layout)", ErrUnknownFormat)
	}
	if ls, ok := st.(lister); ok {
		var sig archiveSigns
		ls.eachName(sig.see)
		if sig.v1Layer {
			return resolveDockerV1(st, src, opts)
		}
		// Never a root filesystem in silence: members only an image archive has mean an
		// incomplete or unknown one.
		if member, what := sig.imageArchive(); member != "" {
			return nil, memberErr(member, fmt.Errorf("%w: %s: an incomplete image archive, not a root filesystem", ErrUnknownFormat, what))
		}
	}
	src.Format = image.FormatRootfs
	b, open, ra, err := st.rootfs(parseOpts{lim: opts.Limits, hash: opts.Verify || opts.RootfsDigest})
	if err != nil {
		return nil, err
	}
	img := &image.Image{Source: src, Layers: []*image.Layer{{
		Compression: CompressionNone,
		TarSize:     b.storedSize,
		Entries:     b.entries,
		Open:        open,
		ReaderAt:    ra,
		Kept:        b.kept,
	}}}
	if l := img.Layers[0]; b.tarDigest != "" {
		// What docker import / podman import record: the sha256 of the tar as given. The
		// layer is the tar itself, so that is its digest too; with --verify every entry
		// was read through and the digest computed from every byte.
		l.DiffID, l.Digest, l.Verified = b.tarDigest, b.tarDigest, opts.Verify
	}
	return img, nil
}

func readJSON(st store, name string, v any, lim Limits) ([]byte, error) {
	ops.documents.Add(1)
	b, err := st.small(name, lim.MaxJSON)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, memberErr(memberName(name), fmt.Errorf("%w: not valid JSON: %v", ErrMalformed, err))
	}
	return b, nil
}

// candidate is one image an archive offers.
type candidate struct {
	tags     []string
	id       string // config digest
	platform string
	manifest string                                    // manifest digest, for OCI candidates
	pick     func(tags []string) (*image.Image, error) // reads the image, named by its tags
	tagSet   map[string]bool
	// plan is what pick reads: the layer members in order, their descriptors and what was
	// noticed on the way. Shared by the copies of a candidate, so that a later document (an
	// archive's manifest.json beside its index) can correct it before pick runs.
	plan        *layerPlan
	cfgPlatform string // what the config says, when the index's descriptor says otherwise
	// lazyID, when set, computes the image ID, which the candidate cannot know before its
	// layers are hashed (a pre-1.10 save): asked only to match an --image ID prefix.
	lazyID func() string
}

// layerPlan is the layers an image is read from, base first.
type layerPlan struct {
	members  []string        // archive members holding the layer blobs
	descs    []v1.Descriptor // what the manifest says of each (zero when nothing)
	warnings []string        // for the image's Warnings
	err      error           // the list cannot be read (reported when the image is)
	// verifyErr is what --verify reports although the image reads (a config whose bytes are
	// not the digest its name claims).
	verifyErr error
}

// addTag adds a tag once, in constant time (an index may name one image many times).
func (c *candidate) addTag(t string) {
	ops.tagSteps.Add(1)
	if c.tagSet == nil {
		ops.tagSteps.Add(int64(len(c.tags)))
		c.tagSet = make(map[string]bool, len(c.tags)+1)
		for _, x := range c.tags {
			c.tagSet[x] = true
		}
	}
	if !c.tagSet[t] {
		c.tagSet[t] = true
		c.tags = append(c.tags, t)
	}
}

func (c candidate) String() string {
	s := shortID(c.id)
	switch {
	case len(c.tags) > 0 && s == "":
		s = strings.Join(c.tags, ", ")
	case len(c.tags) > 0:
		s = strings.Join(c.tags, ", ") + " (" + s + ")"
	}
	if c.platform != "" {
		s += " " + c.platform
	}
	return s
}

func shortID(id string) string {
	h := strings.TrimPrefix(id, "sha256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

func resolveDocker(st store, src image.Source, opts Options) (*image.Image, error) {
	cands, err := dockerCandidates(st, src, opts)
	if err != nil {
		return nil, err
	}
	c, err := choose(cands, opts)
	if err != nil {
		return nil, err
	}
	return c.pick(c.tags)
}

// dockerCandidates reads the images a docker save's manifest.json lists.
func dockerCandidates(st store, src image.Source, opts Options) ([]candidate, error) {
	var mf []dockerManifest
	if _, err := readJSON(st, "manifest.json", &mf, opts.Limits); err != nil {
		return nil, err
	}
	if len(mf) == 0 {
		return nil, memberErr("manifest.json", fmt.Errorf("%w: lists no images", ErrMalformed))
	}
	if err := opts.Limits.checkImages(len(mf)); err != nil {
		return nil, memberErr("manifest.json", err)
	}
	var cands []candidate
	for i := range mf {
		m := mf[i]
		if m.Config == "" {
			return nil, memberErr("manifest.json", fmt.Errorf("%w: image %d has no Config", ErrMalformed, i))
		}
		plan := &layerPlan{members: m.Layers, descs: make([]v1.Descriptor, len(m.Layers))}
		cfg, id, cfgBytes, err := opts.configs.load(st, m.Config, opts.Limits)
		if err = renamedConfig(err, plan, true); err != nil {
			return nil, configErr("manifest.json", fmt.Sprintf("image %d config", i), err)
		}
		for j, l := range m.Layers {
			named := digestFromName(l)
			plan.descs[j] = v1.Descriptor{Digest: named}
			if j < len(cfg.RootFS.DiffIDs) {
				// LayerSources is where docker load records a layer came from: the blob stored
				// here when it names it (Docker 25+), else the layer's source elsewhere (a
				// foreign layer's registry blob, gzip'd), which is not what the archive holds.
				if d, ok := m.LayerSources[cfg.RootFS.DiffIDs[j].String()]; ok {
					if d.Digest == named {
						plan.descs[j] = d
					} else {
						plan.descs[j].URLs = d.URLs
					}
				}
			}
		}
		cands = append(cands, candidate{
			tags: m.RepoTags, id: id, platform: platformOf(cfg), plan: plan,
			pick: func(tags []string) (*image.Image, error) {
				img := &image.Image{Source: src, ID: id, RepoTags: tags, Config: cfg, RawConfig: cfgBytes}
				if err := readPlan(st, img, plan, "manifest.json", opts); err != nil {
					return nil, err
				}
				return img, nil
			},
		})
	}
	return cands, nil
}

// resolveDockerOCI reads an archive that has both a docker manifest.json and an OCI
// index.json (Docker 25+ save, containerd's ctr images export). An image the index lists
// is read through the index, so it has the manifest's digest and media types, and is named
// by the manifest.json's RepoTags as docker load would name it, then by the index's
// annotations (a name already given in other words, docker.io/library/app:1 for app:1,
// is not repeated). Without --platform, only the images manifest.json lists are offered.
// Images only manifest.json lists (Docker 25.0.0-25.0.2 wrote
// "manifests": null) are read through it.
func resolveDockerOCI(st store, src image.Source, opts Options) (*image.Image, error) {
	docker, err := dockerCandidates(st, src, opts)
	if err != nil {
		return nil, err
	}
	var idx v1.IndexManifest
	if _, err := readJSON(st, "index.json", &idx, opts.Limits); err != nil {
		return nil, err
	}
	w, err := walkIndex(st, src, ociLayout, "index.json", &idx, opts)
	if err != nil {
		return nil, err
	}
	cands := w.cands
	// An index name that is a RepoTag in other words (docker.io/library/app:1 for app:1) is
	// spelled as manifest.json spells it, for every platform.
	var repoTags []string
	for _, d := range docker {
		repoTags = append(repoTags, d.tags...)
	}
	for i := range cands {
		cands[i].tags, cands[i].tagSet = respell(cands[i].tags, repoTags), nil
	}
	listed := make([]bool, len(cands)) // by manifest.json too
	for _, d := range docker {
		matched := false
		for i := range cands {
			if cands[i].id != d.id {
				continue
			}
			matched, listed[i] = true, true
			cands[i].tags, cands[i].tagSet = preferTags(d.tags, cands[i].tags), nil
			reconcile(cands[i], d)
		}
		if !matched {
			cands = append(cands, d)
			listed = append(listed, true)
		}
	}
	if opts.Platform == "" && opts.collect == nil {
		// Without --platform, the images manifest.json lists, as docker load takes them: a
		// multi-platform index's other platforms are there to pick with --platform (and are
		// listed by strata images).
		var loaded []candidate
		for i, c := range cands {
			if listed[i] {
				loaded = append(loaded, c)
			}
		}
		cands = loaded
	}
	return w.pick(cands, opts)
}

// reconcile makes the index's candidate c read the layers manifest.json lists for the same
// image (d), in manifest.json's order, when the two lists disagree: docker load reads
// manifest.json, and Docker 25.0.0 wrote OCI manifests whose layers were out of order, or
// short of a layer whose diff_id repeats (moby#47150, fixed in 25.0.1). Each layer keeps
// the index manifest's descriptor of the same blob, when it has one; the warning names the
// disagreement.
func reconcile(c candidate, d candidate) {
	oci, mj := c.plan, d.plan
	if oci == nil || mj == nil || oci.err != nil || slices.Equal(oci.members, mj.members) {
		return
	}
	byMember := map[string]v1.Descriptor{}
	for i, m := range oci.members {
		byMember[memberName(m)] = oci.descs[i]
	}
	descs := make([]v1.Descriptor, len(mj.members))
	for i, m := range mj.members {
		if od, ok := byMember[memberName(m)]; ok {
			descs[i] = od
		} else {
			descs[i] = mj.descs[i]
		}
	}
	what := fmt.Sprintf("lists %d layers where manifest.json lists %d", len(oci.members), len(mj.members))
	for i := range min(len(oci.members), len(mj.members)) {
		if memberName(oci.members[i]) != memberName(mj.members[i]) {
			what = fmt.Sprintf("lists layer %d as %s where manifest.json lists %s", i, shortMember(oci.members[i]), shortMember(mj.members[i]))
			if len(oci.members) != len(mj.members) {
				what += fmt.Sprintf(", and %d layers where manifest.json lists %d", len(oci.members), len(mj.members))
			}
			break
		}
	}
	oci.warnings = append(oci.warnings, fmt.Sprintf("the index's manifest %s %s: read in manifest.json's order, as docker load does (Docker 25.0.0 wrote manifests with layers out of order, moby#47150)", shortID(c.manifest), what))
	oci.members, oci.descs = mj.members, descs
}

// shortMember shortens blobs/sha256/<hex> to its first 12 hex digits.
func shortMember(m string) string {
	m = memberName(m)
	if h := digestFromName(m); h.Hex != "" && strings.HasPrefix(m, "blobs/") {
		return shortID(h.Hex)
	}
	return m
}

// respell replaces each tag naming the same reference as one of canon by that spelling,
// once.
func respell(tags, canon []string) []string {
	if len(canon) == 0 {
		return tags
	}
	var out []string
	for _, t := range tags {
		for _, c := range canon {
			if c == t || matchRef(t, []string{c}, "") {
				t = c
				break
			}
		}
		if !matchRef(t, out, "") {
			out = append(out, t)
		}
	}
	return out
}

// preferTags returns first, then each of more that names a reference none before it names.
func preferTags(first, more []string) []string {
	out := append([]string(nil), first...)
	for _, t := range more {
		if !matchRef(t, out, "") {
			out = append(out, t)
		}
	}
	return out
}

var hexDigest = regexp.MustCompile(`(?:^|[/:])([0-9a-f]{64})(?:\.[a-z.]+)?$`)

// digestFromName reads the sha256 a member is named after (`blobs/sha256/<hex>`,
// `<hex>.json`, `sha256:<hex>`, `<hex>.tar.gz`); kept as a claim to check, never trusted.
func digestFromName(name string) v1.Hash {
	m := hexDigest.FindStringSubmatch(memberName(name))
	if m == nil || strings.HasSuffix(name, "/layer.tar") {
		return v1.Hash{}
	}
	return v1.Hash{Algorithm: "sha256", Hex: m[1]}
}

// parseConfig parses an image config and returns its digest, the image ID. A member named
// after a digest should hold bytes with that digest: when it does not, the config is still
// returned, with a *configNameError (docker load computes the ID from the bytes; an OCI
// reader refuses the blob).
func parseConfig(name string, b []byte) (*v1.ConfigFile, string, error) {
	id := digestOf(b)
	cfg, err := v1.ParseConfigFile(bytes.NewReader(b))
	if err != nil {
		return nil, "", memberErr(memberName(name), fmt.Errorf("%w: config is not valid JSON: %v", ErrMalformed, err))
	}
	if claimed := digestFromName(name); claimed.Hex != "" && "sha256:"+claimed.Hex != id {
		return cfg, id, &configNameError{member: memberName(name), id: id, claimed: claimed.String()}
	}
	return cfg, id, nil
}

// configNameError is a config whose bytes are not the digest its name (and the manifest that
// points at it) claims: edited after it was saved, for one.
type configNameError struct{ member, id, claimed string }

func (e *configNameError) Error() string {
	return fmt.Sprintf("%s: %v: config digest is %s, its name says %s", e.member, ErrCorrupt, e.id, e.claimed)
}
func (e *configNameError) Unwrap() error { return ErrCorrupt }

// warning says what docker load makes of such a config.
func (e *configNameError) warning() string {
	return fmt.Sprintf("config %s: its sha256 is %s, not the digest its name says (%s): the image ID is the sha256, as docker load computes it (--verify fails on this)", e.member, shortID(e.id), shortID(e.claimed))
}

// renamedConfig sorts a config error: a name that does not match the bytes is noted on the
// plan (a warning, and the error --verify returns) when docker's reading applies (lenient),
// and an error otherwise; any other error is returned as is.
func renamedConfig(err error, plan *layerPlan, lenient bool) error {
	var cne *configNameError
	if !errors.As(err, &cne) {
		return err
	}
	if !lenient {
		return err
	}
	plan.warnings = append(plan.warnings, cne.warning())
	plan.verifyErr = cne
	return nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func platformOf(cfg *v1.ConfigFile) string {
	if cfg == nil || cfg.OS == "" {
		return ""
	}
	p := cfg.OS + "/" + cfg.Architecture
	if cfg.Variant != "" {
		p += "/" + cfg.Variant
	}
	return p
}

// readPlan reads the layers plan names into img; doc is the document listing them, named by
// errors that concern the list rather than one blob.
func readPlan(st store, img *image.Image, plan *layerPlan, doc string, opts Options) error {
	if plan.err != nil {
		return plan.err
	}
	if opts.Verify && plan.verifyErr != nil {
		return plan.verifyErr
	}
	img.Warnings = append(img.Warnings, plan.warnings...)
	if err := addLayers(st, img, plan.members, plan.descs, opts); err != nil {
		return memberErr(doc, err)
	}
	return nil
}

// addLayers reads the layer blobs an image names and maps its history onto them.
func addLayers(st store, img *image.Image, members []string, descs []v1.Descriptor, opts Options) error {
	cfg := img.Config
	if len(members) != len(cfg.RootFS.DiffIDs) {
		return fmt.Errorf("%w: the manifest lists %d layers, the config %d diff_ids", ErrMalformed, len(members), len(cfg.RootFS.DiffIDs))
	}
	if err := opts.Limits.checkLayers(len(members)); err != nil {
		return err
	}
	var blobs []*blob
	var err error
	if skipLayers(img, opts) {
		// A blob the manifest declares uncompressed is its own diff_id: pair it with the
		// config's only when they agree (free: nothing read). Read blobs are checked below,
		// by what they are.
		for i := range members {
			if uncompressedType(descs[i].MediaType) {
				if err := checkPairing(cfg.RootFS.DiffIDs, i, members[i], descs[i]); err != nil {
					return err
				}
			}
		}
		blobs = cachedBlobs(st, members, opts)
	} else {
		for i := range members {
			if isForeign(descs[i].MediaType) && !st.has(members[i]) {
				return foreignAbsent(i, members[i], descs[i])
			}
		}
		if blobs, err = st.blobs(members, parseOpts{lim: opts.Limits, hash: opts.Verify, hashFiles: opts.HashFiles}); err != nil {
			return notDeclared(err, members, descs)
		}
	}
	read, readMembers := readBlobs(blobs, members)
	if err := opts.Limits.checkImageEntries(read); err != nil {
		return err
	}
	if err := checkPathBytes(read, readMembers, opts.Limits); err != nil {
		return err
	}
	for i, b := range blobs {
		if b == nil {
			img.Layers = append(img.Layers, unreadLayer(st, img, i, members[i], descs[i]))
			continue
		}
		if b.noEnd && (descs[i].Size <= 0 || descs[i].Size != b.storedSize) {
			why := "and the archive declares no size to check it against"
			if descs[i].Size > 0 {
				why = fmt.Sprintf("and is %d bytes where its descriptor says %d", b.storedSize, descs[i].Size)
			}
			return memberErr(memberName(members[i]), fmt.Errorf("%w: layer %d ends without its end-of-archive marker, %s", ErrTruncated, i, why))
		}
		if b.compression == CompressionNone {
			if err := checkPairing(cfg.RootFS.DiffIDs, i, members[i], descs[i]); err != nil {
				return err
			}
		}
		if want := declaredCompression(descs[i].MediaType); want != "" && want != b.compression {
			img.Warnings = append(img.Warnings, fmt.Sprintf("layer %d is declared %s (%s), but its blob is %s: read as what it is, as containerd and docker load do", i, want, descs[i].MediaType, compressionName(b.compression)))
		}
		diffID := cfg.RootFS.DiffIDs[i].String()
		l := &image.Layer{
			Index:       i,
			DiffID:      diffID,
			Member:      memberName(members[i]),
			MediaType:   string(descs[i].MediaType),
			Compression: b.compression,
			TarSize:     b.storedSize,
			Entries:     b.entries,
			Open:        st.opener(members[i], b.compression, opts.Limits),
			Kept:        b.kept,
		}
		if b.compression == CompressionNone {
			l.ReaderAt = st.readerAt(members[i])
		}
		switch {
		case descs[i].Digest.Hex != "":
			l.Digest = descs[i].Digest.String()
		case b.compression == CompressionNone:
			l.Digest = diffID // the stored blob is the uncompressed tar
		}
		if l.MediaType == "" {
			l.MediaType = layerMediaType(img.Source.Format, b.compression)
		}
		l.URLs = descs[i].URLs
		if opts.Verify {
			if err := verifyLayer(l, b); err != nil {
				return memberErr(l.Member, err)
			}
			l.Digest, l.Verified = b.storedDigest, true
		}
		img.Layers = append(img.Layers, l)
	}
	return mapHistory(img)
}

// isForeign reports whether a layer media type is a foreign (non-distributable) layer, one
// whose blob registries and archives may leave out, to be fetched from its descriptor's URLs.
func isForeign(mt types.MediaType) bool {
	return mt == types.DockerForeignLayer || strings.HasPrefix(string(mt), "application/vnd.oci.image.layer.nondistributable.")
}

// foreignAbsent explains a foreign layer whose blob the archive does not hold.
func foreignAbsent(i int, member string, d v1.Descriptor) error {
	from := "no URL to fetch it from"
	if len(d.URLs) > 0 {
		from = "fetched from " + strings.Join(d.URLs, ", ")
	}
	return &hinted{
		err: memberErr(memberName(member), fmt.Errorf("%w: layer %d is a foreign layer (non-distributable, %s; %s), and its blob is not in the archive: skopeo's oci: copies and containerd's exports leave such blobs out",
			ErrMissing, i, d.MediaType, from)),
		hint: "inspect --no-files reads the rest: the config, the history and every layer's descriptor",
	}
}

// declaredCompression is the compression a layer media type declares ("" when it says
// nothing of it: an unknown type, or none given).
func declaredCompression(mt types.MediaType) string {
	switch {
	case strings.HasSuffix(string(mt), "+gzip") || strings.HasSuffix(string(mt), ".tar.gzip") || mt == types.DockerForeignLayer:
		return CompressionGzip
	case strings.HasSuffix(string(mt), "+zstd"):
		return CompressionZstd
	case uncompressedType(mt):
		return CompressionNone
	}
	return ""
}

func compressionName(c string) string {
	if c == CompressionNone {
		return "an uncompressed tar"
	}
	return c
}

// notDeclared says, of a blob that could not be read, that it is not what its descriptor
// declares, when so: "not gzip" rather than what reading it as a tar then ran into.
func notDeclared(err error, members []string, descs []v1.Descriptor) error {
	var be *blobError
	var me *memberError
	if !errors.As(err, &be) || !errors.As(err, &me) {
		return err
	}
	for i, m := range members {
		if memberName(m) != me.name {
			continue
		}
		want := declaredCompression(descs[i].MediaType)
		if want == "" || want == CompressionNone || want == be.compression {
			return err
		}
		what := "it starts with " + strconv.QuoteToASCII(string(be.head))
		if be.compression != CompressionNone {
			what = "it is " + be.compression
		}
		return memberErr(me.name, fmt.Errorf("%w: layer %d is declared %s (%s), but its blob is not %s: %s", ErrCorrupt, i, want, descs[i].MediaType, want, what))
	}
	return err
}

// uncompressedType reports whether a layer media type declares a plain tar.
func uncompressedType(mt types.MediaType) bool {
	switch mt {
	case types.OCIUncompressedLayer, types.DockerUncompressedLayer, types.OCIUncompressedRestrictedLayer:
		return true
	}
	return false
}

// checkPairing refuses layer i when its blob is an uncompressed tar whose digest (its
// member's name) is not the config's diff_id i: the digest of a plain tar
// is its diff_id, so the two cannot both be right, and the layer would be paired with another
// layer's diff_id (Docker 25.0.0 wrote manifests whose layers were out of order).
func checkPairing(diffIDs []v1.Hash, i int, member string, d v1.Descriptor) error {
	// The member's name is the stored blob's address (blobs/sha256/<hex>, <hex>.tar); a
	// descriptor may describe the layer's source elsewhere instead (docker's LayerSources).
	claimed := digestFromName(member)
	if claimed.Hex == "" || claimed == diffIDs[i] {
		return nil
	}
	why := ""
	for j, id := range diffIDs {
		if id == claimed {
			why = fmt.Sprintf(" (it is the config's layer %d: the manifest lists the layers out of the config's order)", j)
			break
		}
	}
	return memberErr(memberName(member), fmt.Errorf("%w: layer %d is an uncompressed tar with digest %s, which is its diff_id, but the config's diff_id %d is %s%s", ErrCorrupt, i, claimed, i, diffIDs[i], why))
}

func layerMediaType(f image.Format, compression string) string {
	if f == image.FormatDockerArchive {
		switch compression {
		case CompressionNone:
			return "application/vnd.docker.image.rootfs.diff.tar"
		case CompressionGzip:
			return "application/vnd.docker.image.rootfs.diff.tar.gzip"
		}
	}
	switch compression {
	case CompressionGzip:
		return "application/vnd.oci.image.layer.v1.tar+gzip"
	case CompressionZstd:
		return "application/vnd.oci.image.layer.v1.tar+zstd"
	}
	return "application/vnd.oci.image.layer.v1.tar"
}

// verifyLayer checks a hashed blob against the digests the archive claims: its uncompressed
// stream against the config's diff_id, the stored blob against the digest the manifest (or
// the member's name) gives it.
func verifyLayer(l *image.Layer, b *blob) error {
	if b.tarDigest != l.DiffID {
		return fmt.Errorf("%w: layer %d: uncompressed content has digest %s, the config's diff_id is %s", ErrCorrupt, l.Index, b.tarDigest, l.DiffID)
	}
	if l.Digest != "" && b.storedDigest != l.Digest {
		return fmt.Errorf("%w: layer %d: blob has digest %s, the archive says %s", ErrCorrupt, l.Index, b.storedDigest, l.Digest)
	}
	return nil
}

// mapHistory gives each layer the history row that made it, skipping empty_layer rows,
// as `docker history` does.
func mapHistory(img *image.Image) error {
	li := 0
	for i := range img.Config.History {
		h := &img.Config.History[i]
		if h.EmptyLayer {
			continue
		}
		if li >= len(img.Layers) {
			return fmt.Errorf("%w: the config's history has more non-empty rows than the image has layers (%d)", ErrMalformed, len(img.Layers))
		}
		img.Layers[li].History = h
		li++
	}
	return nil
}

// choose picks the one candidate the options select, or explains why it cannot.
func choose(cands []candidate, opts Options) (candidate, error) {
	var out []candidate
	for _, c := range cands {
		if opts.Image != "" && !matchRef(opts.Image, c.tags, c.id) && (c.manifest == "" || !matchRef(opts.Image, nil, c.manifest)) &&
			(c.lazyID == nil || !matchRef(opts.Image, nil, c.lazyID())) {
			continue
		}
		if opts.Platform != "" && !matchPlatform(opts.Platform, c.platform) {
			continue
		}
		out = append(out, c)
	}
	list := func(cs []candidate) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.String())
		}
		sort.Strings(s)
		return strings.Join(s, "; ")
	}
	if opts.collect != nil && len(out) > 0 {
		*opts.collect = out
		return candidate{}, errCollected
	}
	if opts.collect != nil && opts.Image == "" && opts.Platform == "" {
		return candidate{}, errCollected // nothing to list (and nothing to choose from)
	}
	switch {
	case len(out) == 1:
		return out[0], nil
	case len(out) == 0:
		what := opts.Image
		if opts.Platform != "" {
			what = strings.TrimSpace(what + " " + opts.Platform)
		}
		hint := "the archive holds: " + list(cands)
		for _, c := range cands {
			if opts.Platform != "" && c.cfgPlatform != "" && matchPlatform(opts.Platform, c.cfgPlatform) {
				hint += fmt.Sprintf("; the config of %s says %s, but the index lists it as %s, and images are selected on the index (as containerd does): --platform %s picks it", shortID(c.manifest), c.cfgPlatform, c.platform, c.platform)
			}
		}
		return candidate{}, &hinted{err: fmt.Errorf("%w matches %s", ErrNoMatch, what), hint: hint}
	}
	err := fmt.Errorf("%w: the archive holds %d images", ErrAmbiguous, len(out))
	byTags := func(c candidate) string { return strings.Join(c.tags, ",") }
	byPlatform := func(c candidate) string { return byTags(c) + "|" + c.platform }
	switch {
	case opts.Image == "" && distinct(out, byTags):
		return candidate{}, &hinted{err: err, hint: "pick one with --image: " + list(out)}
	case distinct(out, byPlatform):
		return candidate{}, &hinted{err: err, hint: "pick one with --platform: " + list(out)}
	}
	// The same names and platform: only an image ID, or a manifest digest, tells them apart.
	var picks []string
	byID := distinct(out, func(c candidate) string { return c.id })
	for _, c := range out {
		name := strings.TrimSpace(strings.Join(c.tags, ", ") + " " + c.platform)
		if byID || c.manifest == "" {
			picks = append(picks, fmt.Sprintf("--image %s (%s)", shortID(c.id), name))
		} else {
			picks = append(picks, fmt.Sprintf("--image %s (%s, manifest %s of image %s)", shortID(c.manifest), name, shortID(c.manifest), shortID(c.id)))
		}
	}
	sort.Strings(picks)
	what := "an image-ID prefix"
	if !byID {
		what = "a manifest-digest prefix (one image ID, several manifests)"
	}
	return candidate{}, &hinted{err: fmt.Errorf("%w: the archive holds %d images with the same names and platform", ErrAmbiguous, len(out)), hint: "pick one with --image and " + what + ": " + strings.Join(picks, "; ")}
}

// distinct reports whether key tells every candidate from the others.
func distinct(cs []candidate, key func(candidate) string) bool {
	seen := map[string]bool{}
	for _, c := range cs {
		k := key(c)
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// hinted is an error with advice for the user.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// matchPlatform matches os/arch[/variant] as containerd does (platforms.Normalize: x86_64 is
// amd64, aarch64 is arm64 and arm64/v8 is arm64, arm is arm/v7, armhf arm/v7, …), except that
// a want whose variant is left unsaid after that matches any variant of its architecture.
func matchPlatform(want, have string) bool {
	wo, wa, wv, wsaid := normalizePlatform(want)
	ho, ha, hv, _ := normalizePlatform(have)
	if wo == "" || ho == "" || wo != ho || wa != ha {
		return false
	}
	return !wsaid || wv == hv
}

// normalizePlatform splits os/arch[/variant] and normalizes it as containerd's
// platforms.Normalize does; said reports whether a variant is given or implied (arm's v7).
func normalizePlatform(p string) (os, arch, variant string, said bool) {
	parts := strings.Split(strings.ToLower(p), "/")
	if len(parts) < 2 {
		return "", "", "", false
	}
	os, arch = parts[0], parts[1]
	if len(parts) > 2 {
		variant, said = parts[2], true
	}
	if os == "macos" {
		os = "darwin"
	}
	switch arch {
	case "i386":
		arch, variant = "386", ""
	case "x86_64", "x86-64", "amd64":
		arch = "amd64"
		if variant == "v1" {
			variant = ""
		}
	case "aarch64", "arm64":
		arch = "arm64"
		if variant == "8" || variant == "v8" {
			variant = ""
		}
	case "armhf":
		arch, variant, said = "arm", "v7", true
	case "armel":
		arch, variant, said = "arm", "v6", true
	case "arm":
		switch variant {
		case "", "7":
			variant, said = "v7", true
		case "5", "6", "8":
			variant = "v" + variant
		}
	}
	return os, arch, variant, said
}

// samePlatform reports whether two platforms are the same once normalized.
func samePlatform(a, b string) bool {
	ao, aa, av, _ := normalizePlatform(a)
	bo, ba, bv, _ := normalizePlatform(b)
	return ao == bo && aa == ba && av == bv
}
