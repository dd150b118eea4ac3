package load

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// The pre-1.10 `docker save` (Docker ≤ 1.9, and any docker save that lost its manifest.json):
// `<id>/VERSION`, `<id>/json` and `<id>/layer.tar` per layer, every layer an image of its own
// chained to its parent by the `parent` of its json, and `repositories` naming the tags
// (name → tag → layer ID). No image config and no diff_ids: docker load (moby
// image/tarexport/load.go, legacyLoad) computes each layer's diff_id from its content and makes
// the config from the top layer's json (image/v1 MakeConfigFromV1Config), with one history row
// per layer (HistoryFromConfig: created, author, comment, container_config.Cmd joined by
// spaces). strata does the same, so the image ID is the one docker load gives.

// v1Json is the part of a layer's `<id>/json` the chain needs.
type v1Json struct {
	Parent          string    `json:"parent"`
	Created         time.Time `json:"created"`
	Author          string    `json:"author"`
	Comment         string    `json:"comment"`
	DockerVersion   string    `json:"docker_version"`
	OS              string    `json:"os"`
	Architecture    string    `json:"architecture"`
	Variant         string    `json:"variant"`
	ContainerConfig struct {
		Cmd stringList `json:"Cmd"`
	} `json:"container_config"`
}

// stringList is moby's strslice.StrSlice: a JSON array of strings, or one string.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || string(b) == "null" {
		*s = nil
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// isV1Dir reports whether a member name is part of a v1 layer directory: `<64 hex>/json`,
// `<64 hex>/layer.tar` or `<64 hex>/VERSION`.
func isV1Dir(name string) (id string, ok bool) {
	id, file, found := strings.Cut(name, "/")
	if !found || len(id) != 64 || !isHex(id) {
		return "", false
	}
	switch file {
	case "json", "layer.tar", "VERSION":
		return id, true
	}
	return "", false
}

// resolveDockerV1 reads a pre-1.10 docker save: one candidate per layer the repositories file
// tags, read as docker load makes it.
func resolveDockerV1(st store, src image.Source, opts Options) (*image.Image, error) {
	src.Format = image.FormatDockerArchiveV1
	if !st.has("repositories") {
		return nil, memberErr("repositories", fmt.Errorf("%w: a pre-1.10 docker save (layer directories <id>/json, <id>/layer.tar, no manifest.json) without its repositories file, which names its images: docker load refuses it too", ErrMissing))
	}
	var repos map[string]map[string]string
	if _, err := readJSON(st, "repositories", &repos, opts.Limits); err != nil {
		return nil, err
	}
	byID := map[string][]string{}
	for name, tags := range repos {
		for tag, id := range tags {
			ref := name + ":" + tag
			if !isHex(id) || len(id) != 64 {
				return nil, memberErr("repositories", fmt.Errorf("%w: %s names %q, not a layer ID", ErrMalformed, ref, id))
			}
			byID[id] = append(byID[id], ref)
		}
	}
	if len(byID) == 0 {
		return nil, memberErr("repositories", fmt.Errorf("%w: names no image", ErrMalformed))
	}
	if err := opts.Limits.checkImages(len(byID)); err != nil {
		return nil, memberErr("repositories", err)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	v := &v1Reader{st: st, opts: opts, jsons: map[string]*v1Doc{}}
	var cands []candidate
	for _, id := range ids {
		tags := byID[id]
		sort.Strings(tags)
		chain, err := v.chain(id)
		if err != nil {
			return nil, err
		}
		// The config (and so the ID) needs every layer's diff_id: hashed when chosen, or
		// when --image names an ID prefix.
		top, _ := v.doc(id) // read by chain
		platform := ""
		if m := top.meta; m.OS != "" || m.Architecture != "" {
			platform = platformOf(&v1.ConfigFile{OS: m.OS, Architecture: m.Architecture, Variant: m.Variant})
		}
		c := candidate{tags: tags, platform: platform}
		c.pick = func(tags []string) (*image.Image, error) { return v.read(src, chain, tags) }
		c.lazyID = func() string {
			img, err := v.read(src, chain, nil)
			if err != nil {
				return ""
			}
			return img.ID
		}
		cands = append(cands, c)
	}
	c, err := choose(cands, opts)
	if err != nil {
		return nil, err
	}
	return c.pick(c.tags)
}

// v1Reader reads the layer chains of one archive; each json is read once.
type v1Reader struct {
	st    store
	opts  Options
	jsons map[string]*v1Doc
}

type v1Doc struct {
	raw  []byte
	meta v1Json
}

// doc reads `<id>/json`.
func (v *v1Reader) doc(id string) (*v1Doc, error) {
	if d, ok := v.jsons[id]; ok {
		return d, nil
	}
	d := &v1Doc{}
	raw, err := readJSON(v.st, id+"/json", &d.meta, v.opts.Limits)
	if err != nil {
		return nil, err
	}
	d.raw = raw
	v.jsons[id] = d
	return d, nil
}

// chain returns the layer IDs from the base up to id, following each json's parent.
func (v *v1Reader) chain(id string) ([]string, error) {
	var rev []string
	seen := map[string]bool{}
	for cur := id; cur != ""; {
		if seen[cur] {
			return nil, memberErr(cur+"/json", fmt.Errorf("%w: the parent chain comes back to layer %s", ErrLinkLoop, shortID(cur)))
		}
		seen[cur] = true
		if err := v.opts.Limits.checkLayers(len(rev) + 1); err != nil {
			return nil, memberErr(cur+"/json", err)
		}
		if !v.st.has(cur + "/json") {
			return nil, memberErr(cur+"/json", fmt.Errorf("%w: layer %s is named (by repositories or a child's parent) but not in the archive", ErrMissing, shortID(cur)))
		}
		d, err := v.doc(cur)
		if err != nil {
			return nil, err
		}
		rev = append(rev, cur)
		cur = d.meta.Parent
		if cur != "" && (len(cur) != 64 || !isHex(cur)) {
			return nil, memberErr(rev[len(rev)-1]+"/json", fmt.Errorf("%w: parent %q is not a layer ID", ErrMalformed, cur))
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev, nil
}

// read makes the image docker load makes of the chain (base first), tagged tags.
func (v *v1Reader) read(src image.Source, chain []string, tags []string) (*image.Image, error) {
	members := make([]string, len(chain))
	for i, id := range chain {
		members[i] = id + "/layer.tar"
	}
	// Hashed as they are indexed (each diff_id is the sha256 of the layer); addLayers then
	// finds them parsed so, and checks what it can (Verify).
	opts := v.opts
	opts.Verify = true
	blobs, err := v.st.blobs(members, parseOpts{lim: opts.Limits, hash: true, hashFiles: opts.HashFiles})
	if err != nil {
		return nil, err
	}
	diffIDs, err := v1DiffIDs(v.st, members, blobs, v.opts.Limits)
	if err != nil {
		return nil, err
	}
	var history []v1History
	for _, id := range chain {
		d, _ := v.doc(id)
		history = append(history, v1History{
			Created: d.meta.Created, Author: d.meta.Author, Comment: d.meta.Comment,
			CreatedBy: strings.Join(d.meta.ContainerConfig.Cmd, " "),
		})
	}
	top, _ := v.doc(chain[len(chain)-1])
	raw, err := v1Config(top.raw, diffIDs, history)
	if err != nil {
		return nil, memberErr(chain[len(chain)-1]+"/json", fmt.Errorf("%w: %v", ErrMalformed, err))
	}
	cfg, id, err := parseConfig("", raw)
	if err != nil {
		return nil, memberErr(chain[len(chain)-1]+"/json", err)
	}
	img := &image.Image{Source: src, ID: id, RepoTags: tags, Config: cfg, RawConfig: raw}
	plan := &layerPlan{members: members, descs: make([]v1.Descriptor, len(members))}
	if err := readPlan(v.st, img, plan, "repositories", opts); err != nil {
		return nil, err
	}
	for _, l := range img.Layers {
		l.Verified = false // the diff_ids were computed here: there was no claim to check
		if l.MediaType == "" || strings.HasPrefix(l.MediaType, "application/vnd.oci") {
			l.MediaType = layerMediaType(image.FormatDockerArchive, l.Compression)
		}
	}
	return img, nil
}

// v1DiffIDs is each layer's diff_id, the sha256 of its uncompressed tar, as docker load
// computes it. A stream that was not hashed as it passed is read again when it can be.
func v1DiffIDs(st store, members []string, blobs []*blob, lim Limits) ([]string, error) {
	out := make([]string, len(blobs))
	var missing []string
	for i, b := range blobs {
		if b == nil || b.tarDigest == "" {
			missing = append(missing, members[i])
			continue
		}
		out[i] = b.tarDigest
	}
	if len(missing) == 0 {
		return out, nil
	}
	ss, ok := st.(*streamStore)
	if !ok || ss.reopen == nil {
		return nil, memberErr(missing[0], fmt.Errorf("%w: a pre-1.10 docker save records no diff_ids: they are the sha256 of each layer, which a stream read once (standard input, a pipe) cannot compute after the fact; give the archive as a file", ErrUnknownFormat))
	}
	sums, err := ss.hashMembers(missing, lim)
	if err != nil {
		return nil, err
	}
	for i, b := range blobs {
		if out[i] == "" {
			out[i] = sums[memberName(members[i])]
			if b != nil {
				b.tarDigest = out[i] // the blob as indexed, now hashed
				if b.compression == CompressionNone {
					b.storedDigest = out[i]
				}
			}
		}
	}
	return out, nil
}

// v1History is moby's image.History as Docker 20.10 marshals it.
type v1History struct {
	Created    time.Time `json:"created"`
	Author     string    `json:"author,omitempty"`
	CreatedBy  string    `json:"created_by,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	EmptyLayer bool      `json:"empty_layer,omitempty"`
}

// v1Config is moby's MakeConfigFromV1Config: the top layer's json, without its v1 keys, with
// the rootfs and history added; keys sorted (a Go map). A json from before Docker 1.8.3 is
// first rewritten through moby's V1Image struct (which drops unknown keys).
func v1Config(top []byte, diffIDs []string, history []v1History) ([]byte, error) {
	var ver struct {
		DockerVersion string `json:"docker_version"`
	}
	if err := json.Unmarshal(top, &ver); err != nil {
		return nil, err
	}
	if versionLess(ver.DockerVersion, "1.8.3") {
		var img mobyV1Image
		if err := json.Unmarshal(top, &img); err != nil {
			return nil, err
		}
		var err error
		if top, err = json.Marshal(img); err != nil {
			return nil, err
		}
	}
	var c map[string]*json.RawMessage
	if err := json.Unmarshal(top, &c); err != nil {
		return nil, err
	}
	for _, k := range []string{"id", "parent", "Size", "parent_id", "layer_id", "throwaway"} {
		delete(c, k)
	}
	rootfs, err := json.Marshal(struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids,omitempty"`
	}{"layers", diffIDs})
	if err != nil {
		return nil, err
	}
	hist, err := json.Marshal(history)
	if err != nil {
		return nil, err
	}
	c["rootfs"] = (*json.RawMessage)(&rootfs)
	c["history"] = (*json.RawMessage)(&hist)
	return json.Marshal(c)
}

// versionLess is moby's api/types/versions.LessThan: dotted numbers, a part that is not a
// number counting as 0.
func versionLess(v, other string) bool {
	a, b := strings.Split(v, "."), strings.Split(other, ".")
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// archiveSigns gathers, member by member, what makes a tarball without manifest.json or
// index.json an image archive rather than a root filesystem: v1 layer directories (a pre-1.10
// save, read as one), OCI layout files, blobs named by digest, a podman archive's config.
type archiveSigns struct {
	v1Layer bool // <64 hex>/json
	kinds   [signs]string
	hexTars bool
	hexJSON string
}

// The signs, strongest first.
const (
	signLayoutFile = iota
	signRepos
	signV1Dir
	signBlob
	signs
)

var signWhat = [signs + 1]string{
	signLayoutFile: "an OCI image layout's oci-layout file, without its index.json",
	signRepos:      "a docker save's repositories file, without manifest.json",
	signV1Dir:      "a docker save's layer directory, without manifest.json or repositories",
	signBlob:       "an OCI image layout's blob, without index.json or manifest.json",
	signs:          "a podman or skopeo docker-archive's config, without manifest.json",
}

// see notes one member's name.
func (a *archiveSigns) see(n string) {
	set := func(k int) {
		if a.kinds[k] == "" || n < a.kinds[k] {
			a.kinds[k] = n // the first by name, whatever the order names come in
		}
	}
	switch {
	case n == "oci-layout":
		set(signLayoutFile)
	case n == "repositories":
		set(signRepos)
	case strings.HasPrefix(n, "blobs/sha256/") && len(n) == len("blobs/sha256/")+64 && isHex(n[len("blobs/sha256/"):]):
		set(signBlob)
	case len(n) == 64+len(".tar") && strings.HasSuffix(n, ".tar") && isHex(n[:64]):
		a.hexTars = true
	case len(n) == 64+len(".json") && strings.HasSuffix(n, ".json") && isHex(n[:64]):
		if a.hexJSON == "" || n < a.hexJSON {
			a.hexJSON = n
		}
	}
	if _, ok := isV1Dir(n); ok {
		set(signV1Dir)
		a.v1Layer = a.v1Layer || strings.HasSuffix(n, "/json")
	}
}

// imageArchive names the member that makes the tarball an image archive, and what it is;
// "" when there is none.
func (a *archiveSigns) imageArchive() (member, what string) {
	for k := 0; k < signs; k++ {
		if a.kinds[k] != "" {
			return a.kinds[k], signWhat[k]
		}
	}
	if a.hexTars && a.hexJSON != "" {
		return a.hexJSON, signWhat[signs]
	}
	return "", ""
}

// mobyV1Image is moby's image.V1Image (Docker 20.10), field for field, for the rewrite
// MakeConfigFromV1Config gives a json from before Docker 1.8.3.
type mobyV1Image struct {
	ID              string      `json:"id,omitempty"`
	Parent          string      `json:"parent,omitempty"`
	Comment         string      `json:"comment,omitempty"`
	Created         time.Time   `json:"created"`
	Container       string      `json:"container,omitempty"`
	ContainerConfig mobyConfig  `json:"container_config,omitempty"`
	DockerVersion   string      `json:"docker_version,omitempty"`
	Author          string      `json:"author,omitempty"`
	Config          *mobyConfig `json:"config,omitempty"`
	Architecture    string      `json:"architecture,omitempty"`
	Variant         string      `json:"variant,omitempty"`
	OS              string      `json:"os,omitempty"`
	Size            int64       `json:",omitempty"`
}

// mobyConfig is moby's container.Config (Docker 20.10), field for field.
type mobyConfig struct {
	Hostname        string
	Domainname      string
	User            string
	AttachStdin     bool
	AttachStdout    bool
	AttachStderr    bool
	ExposedPorts    map[string]struct{} `json:",omitempty"`
	Tty             bool
	OpenStdin       bool
	StdinOnce       bool
	Env             []string
	Cmd             stringList
	Healthcheck     *mobyHealth `json:",omitempty"`
	ArgsEscaped     bool        `json:",omitempty"`
	Image           string
	Volumes         map[string]struct{}
	WorkingDir      string
	Entrypoint      stringList
	NetworkDisabled bool   `json:",omitempty"`
	MacAddress      string `json:",omitempty"`
	OnBuild         []string
	Labels          map[string]string
	StopSignal      string     `json:",omitempty"`
	StopTimeout     *int       `json:",omitempty"`
	Shell           stringList `json:",omitempty"`
}

// mobyHealth is moby's container.HealthConfig.
type mobyHealth struct {
	Test        []string      `json:",omitempty"`
	Interval    time.Duration `json:",omitempty"`
	Timeout     time.Duration `json:",omitempty"`
	StartPeriod time.Duration `json:",omitempty"`
	Retries     int           `json:",omitempty"`
}
