package load

import (
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

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

// choose picks the one candidate the options select, or explains why it cannot.
func choose(cands []candidate, opts Options) (candidate, error) {
	var out []candidate
	for _, c := range cands {
		if opts.Image != "" && !matchRef(opts.Image, c.tags, c.id) && (c.manifest == "" || !matchRef(opts.Image, nil, c.manifest)) &&
			(c.lazyID == nil || !matchRef(opts.Image, nil, c.lazyID())) {
			continue
		}
		if !opts.Platform.IsZero() && !opts.Platform.Matches(c.platform) {
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
	if opts.collect != nil && opts.Image == "" && opts.Platform.IsZero() {
		return candidate{}, errCollected // nothing to list (and nothing to choose from)
	}
	switch {
	case len(out) == 1:
		return out[0], nil
	case len(out) == 0:
		what := opts.Image
		if !opts.Platform.IsZero() {
			what = strings.TrimSpace(what + " " + opts.Platform.String())
		}
		hint := "the archive holds: " + list(cands)
		for _, c := range cands {
			if !opts.Platform.IsZero() && c.cfgPlatform != "" && opts.Platform.Matches(c.cfgPlatform) {
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
