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
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/image"
)

// resolve turns a store into the one image the options select, by the format its members
// say (never its name): each format is read in a file of its own — dockersave.go (docker
// save, legacy and Docker 25+/containerd), dockerv1.go (pre-1.10 docker save), oci.go (OCI
// archive and layout), dirlayout.go (containers/image dir:), rootfs.go (docker export);
// remote.go reads a registry's. This file holds what they share: documents, configs and
// layers; choose.go picks one image of several, platform.go matches --platform.
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
	return resolveRootfs(st, src, opts)
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
	if err := checkImageBounds(read, readMembers, opts.Limits); err != nil {
		return err
	}
	given := map[*blob]bool{} // blobs whose entries a layer holds already
	for i, b := range blobs {
		if b == nil {
			img.Layers = append(img.Layers, unreadLayer(st, img, i, members[i], descs[i]))
			continue
		}
		entries := b.entries
		if given[b] {
			// One blob listed twice (two identical layers): each layer gets entries of its
			// own, so that an entry's address names one layer's file everywhere downstream
			// (the merge's hidden versions, waste, package database versions).
			entries = slices.Clone(b.entries)
		}
		given[b] = true
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
			Entries:     entries,
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
