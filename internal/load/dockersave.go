package load

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

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
	if opts.Platform.IsZero() && opts.collect == nil {
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
