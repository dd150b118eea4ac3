package load

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/strata-dev/strata/internal/image"
)

const (
	annotationContainerdName = "io.containerd.image.name"
	annotationRefName        = "org.opencontainers.image.ref.name"
	annotationRefType        = "vnd.docker.reference.type"
	maxIndexDepth            = 8
)

// layout names the members that hold a content-addressed document or blob.
type layout struct {
	blob     func(h v1.Hash) (string, error) // a config or layer blob
	manifest func(h v1.Hash) (string, error) // an image manifest or index named by a descriptor
}

// ociLayout is the OCI image layout: everything under blobs/<alg>/<hex>.
var ociLayout = layout{blob: blobName, manifest: blobName}

func blobName(h v1.Hash) (string, error) {
	if h.Algorithm == "" || h.Hex == "" || !isHex(h.Hex) {
		return "", fmt.Errorf("%w: invalid digest %q", ErrMalformed, h.String())
	}
	return "blobs/" + h.Algorithm + "/" + h.Hex, nil
}

// resolveOCI reads an OCI image layout (archived or a directory) and picks one image manifest.
func resolveOCI(st store, src image.Source, opts Options) (*image.Image, error) {
	var idx v1.IndexManifest
	if _, err := readJSON(st, "index.json", &idx, opts.Limits); err != nil {
		return nil, err
	}
	w, err := walkIndex(st, src, ociLayout, "index.json", &idx, opts)
	if err != nil {
		return nil, err
	}
	if err := w.needSome("index.json", opts); err != nil {
		return nil, err
	}
	return w.pick(w.cands, opts)
}

// indexWalk is what an index offers: its image candidates (tags merged), and the manifests
// it lists that the archive does not hold.
type indexWalk struct {
	cands           []candidate
	absent          []string
	absentPlatforms []string
	artifacts       []*Artifact // what it lists that is not an image
}

// needSome refuses an index that offered no image.
func (w *indexWalk) needSome(where string, opts Options) error {
	if len(w.cands) > 0 {
		return nil
	}
	if len(w.artifacts) > 0 {
		if opts.collect != nil {
			return nil // listed as they are
		}
		if err := notImage(w.artifacts, nil, opts); err != nil {
			return err
		}
		var what []string
		for _, a := range w.artifacts {
			what = append(what, a.Type)
		}
		return memberErr(where, fmt.Errorf("%w: it lists no container image, only %s", ErrNotImage, strings.Join(uniqueStrings(what), ", ")))
	}
	if len(w.absent) > 0 {
		return memberErr(where, fmt.Errorf("%w: every image manifest it lists is absent (first: %s)", ErrMissing, w.absent[0]))
	}
	return memberErr(where, fmt.Errorf("%w: lists no image manifests", ErrMalformed))
}

// pick chooses among cands, explaining a platform that is listed but absent.
func (w *indexWalk) pick(cands []candidate, opts Options) (*image.Image, error) {
	if opts.collectArtifacts != nil {
		*opts.collectArtifacts = w.artifacts
	}
	c, err := choose(cands, opts)
	if errors.Is(err, ErrNoMatch) {
		if nerr := notImage(w.artifacts, cands, opts); nerr != nil {
			return nil, nerr
		}
	}
	if errors.Is(err, ErrNoMatch) && !opts.Platform.IsZero() {
		for _, p := range w.absentPlatforms {
			if opts.Platform.Matches(p) {
				return nil, memberErr("index.json", fmt.Errorf("%w: platform %s is listed, but its manifest is not in the archive (saved without it)", ErrMissing, p))
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return c.pick(c.tags)
}

// walkIndex reads the image index idx (member where), following nested indexes, skipping
// attestations and manifests whose blobs are absent (skip-missing saves).
func walkIndex(st store, src image.Source, lay layout, where string, idx *v1.IndexManifest, opts Options) (*indexWalk, error) {
	var cands []candidate
	var absent []string
	var absentPlatforms []string
	var arts []*Artifact
	// Each index and manifest is read once, however many descriptors name it: found maps a
	// blob to the candidates at or under it, which a later descriptor only adds its tag to;
	// artFound, a blob that is an artifact to it.
	found := map[string][]int{}
	artFound := map[string]*Artifact{}
	revisit := func(name, ref string) ([]int, bool) {
		if a, ok := artFound[name]; ok {
			if ref != "" && !slices.Contains(a.RepoTags, ref) {
				a.RepoTags = append(a.RepoTags, ref)
			}
			return nil, true
		}
		idxs, ok := found[name]
		if ok && ref != "" {
			for _, i := range idxs {
				cands[i].addTag(ref)
			}
		}
		return idxs, ok
	}
	addArtifact := func(name string, a *Artifact, ref string) {
		if ref != "" {
			a.RepoTags = append(a.RepoTags, ref)
		}
		artFound[name] = a
		arts = append(arts, a)
	}
	var walk func(where string, m *v1.IndexManifest, ref string, depth int) ([]int, error)
	walk = func(where string, m *v1.IndexManifest, ref string, depth int) ([]int, error) {
		if depth > maxIndexDepth {
			return nil, memberErr(where, fmt.Errorf("%w: indexes nested more than %d deep", ErrLimit, maxIndexDepth))
		}
		var mine []int // candidates at or under m, each once
		seen := map[int]bool{}
		add := func(idxs ...int) {
			ops.walkSteps.Add(int64(len(idxs)))
			for _, i := range idxs {
				if !seen[i] {
					seen[i] = true
					mine = append(mine, i)
				}
			}
		}
		for _, d := range m.Manifests {
			r := ref
			if n := d.Annotations[annotationContainerdName]; n != "" {
				r = n
			} else if n := d.Annotations[annotationRefName]; n != "" && r == "" {
				r = n
			}
			name, err := lay.manifest(d.Digest)
			if err != nil {
				return nil, memberErr(where, err)
			}
			switch {
			case d.Annotations[annotationRefType] == "attestation-manifest",
				d.Platform != nil && d.Platform.OS == "unknown":
				if _, ok := revisit(name, ""); !ok {
					var am *v1.Manifest
					if st.has(name) {
						var m v1.Manifest
						if _, err := readJSON(st, name, &m, opts.Limits); err == nil {
							am = &m
						}
					}
					addArtifact(name, buildkitAttestation(d, am), "")
				}
				continue
			case d.MediaType == types.OCIImageIndex || d.MediaType == types.DockerManifestList:
				if idxs, ok := revisit(name, r); ok {
					add(idxs...)
					continue
				}
				found[name] = nil // an index listing itself finds nothing more
				if !st.has(name) {
					absent = append(absent, name)
					continue
				}
				var sub v1.IndexManifest
				if _, err := readJSON(st, name, &sub, opts.Limits); err != nil {
					return nil, err
				}
				got, err := walk(name, &sub, r, depth+1)
				if err != nil {
					return nil, err
				}
				found[name] = got
				add(got...)
			case d.MediaType == types.OCIManifestSchema1 || d.MediaType == types.DockerManifestSchema2 || d.MediaType == "":
				if idxs, ok := revisit(name, r); ok {
					add(idxs...)
					continue
				}
				found[name] = nil
				if !st.has(name) {
					absent = append(absent, name)
					if d.Platform != nil {
						absentPlatforms = append(absentPlatforms, platformString(d.Platform))
					}
					continue
				}
				c, art, err := ociCandidate(st, src, lay, name, d, r, opts)
				if err != nil {
					return nil, err
				}
				if art != nil {
					delete(found, name)
					addArtifact(name, art, r)
					continue
				}
				found[name] = []int{len(cands)}
				add(len(cands))
				cands = append(cands, c)
			default:
				// Not a manifest nor an index: no image, as the spec asks; a ref name on it
				// is listed, so that picking it says what it names.
				own := d.Annotations[annotationContainerdName]
				if own == "" {
					own = d.Annotations[annotationRefName]
				}
				if _, ok := revisit(name, own); !ok && own != "" {
					addArtifact(name, blobRef(d, ""), own)
				}
			}
		}
		return mine, nil
	}
	if _, err := walk(where, idx, "", 0); err != nil {
		return nil, err
	}
	for _, a := range arts {
		finishArtifact(a)
	}
	return &indexWalk{cands: mergeTags(cands), absent: absent, absentPlatforms: absentPlatforms, artifacts: arts}, nil
}

// uniqueStrings is s without repeats, in order.
func uniqueStrings(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// mergeTags folds candidates for the same manifest (one index entry per tag) into one.
func mergeTags(cs []candidate) []candidate {
	var out []candidate
	seen := map[string]int{}
	for _, c := range cs {
		key := c.id + "|" + c.platform + "|" + c.manifest
		if i, ok := seen[key]; ok {
			for _, t := range c.tags {
				out[i].addTag(t)
			}
			continue
		}
		seen[key] = len(out)
		out = append(out, c)
	}
	return out
}

// ociCandidate reads the image manifest in member name, which descriptor d names.
// An image manifest that is not a container image (an artifact) is returned as such.
func ociCandidate(st store, src image.Source, lay layout, name string, d v1.Descriptor, ref string, opts Options) (candidate, *Artifact, error) {
	var m v1.Manifest
	raw, err := readJSON(st, name, &m, opts.Limits)
	if err != nil {
		return candidate{}, nil, err
	}
	if got := digestOf(raw); got != d.Digest.String() {
		return candidate{}, nil, memberErr(name, fmt.Errorf("%w: manifest digest is %s, the index says %s", ErrCorrupt, got, d.Digest))
	}
	if m.SchemaVersion == 1 || d.MediaType == types.DockerManifestSchema1 || d.MediaType == types.DockerManifestSchema1Signed {
		return candidate{}, nil, memberErr(name, fmt.Errorf("%w: a Docker schema 1 manifest (deprecated, no config): convert it first, e.g. skopeo copy --format v2s2", ErrUnknownFormat))
	}
	if a := classifyManifest(&m, d); a != nil {
		return candidate{}, a, nil
	}
	cfgName, err := lay.blob(m.Config.Digest)
	if err != nil {
		return candidate{}, nil, memberErr(name, err)
	}
	plan := &layerPlan{members: make([]string, len(m.Layers)), descs: m.Layers}
	// Read through a docker save's index, the config is docker load's to judge (it reads
	// manifest.json's Config by name and computes the ID from the bytes); an OCI reader
	// (containerd) refuses a blob whose bytes are not its digest.
	cfg, id, cfgBytes, err := opts.configs.load(st, cfgName, opts.Limits)
	if err = renamedConfig(err, plan, src.Format == image.FormatDockerArchiveOCI); err != nil {
		return candidate{}, nil, configErr(name, "config", err)
	}
	// containerd selects on the index's descriptor, whatever the config says; a config that
	// says otherwise is reported, not followed.
	platform, listedAs, cfgPlatform := platformOf(cfg), "", ""
	if d.Platform != nil && d.Platform.OS != "" {
		platform, listedAs = platformString(d.Platform), platformString(d.Platform)
		if cp := platformOf(cfg); cp != "" && !samePlatform(cp, platform) {
			cfgPlatform = cp
			plan.warnings = append(plan.warnings, fmt.Sprintf("the index lists manifest %s as %s, but its config says %s: selected as %s, as containerd selects (on the index's descriptor)", shortID(d.Digest.String()), platform, cp, platform))
		}
	}
	var tags []string
	if ref != "" {
		tags = []string{ref}
	}
	for i, l := range m.Layers {
		if plan.members[i], err = lay.blob(l.Digest); err != nil {
			plan.err = memberErr(name, err) // reported if this image is read
			break
		}
	}
	return candidate{
		tags: tags, id: id, platform: platform, manifest: d.Digest.String(), plan: plan, cfgPlatform: cfgPlatform,
		pick: func(tags []string) (*image.Image, error) {
			img := &image.Image{Source: src, ID: id, Digest: d.Digest.String(), RepoTags: tags, Config: cfg, Annotations: m.Annotations, RawConfig: cfgBytes, Platform: listedAs}
			if err := readPlan(st, img, plan, name, opts); err != nil {
				return nil, err
			}
			return img, nil
		},
	}, nil, nil
}
