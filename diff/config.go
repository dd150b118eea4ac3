package diff

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/strata-dev/strata/internal/image"
)

// ConfigChange is one changed config field; env and labels are compared per variable/key
// (`env.PATH`, `labels.version`), ports and volumes per item. Old and New are JSON values
// (a string, a list, an object as the config holds it — never JSON text inside a string);
// absent values are null.
type ConfigChange struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// fields flattens an image config into field → value; absent and empty fields are omitted.
func fields(img *image.Image) map[string]any {
	m := map[string]any{}
	c := img.Config
	if c == nil {
		return m
	}
	put := func(k string, v any) {
		if v == nil || reflect.ValueOf(v).IsZero() {
			return
		}
		if s, ok := v.([]string); ok && len(s) == 0 {
			return
		}
		m[k] = v
	}
	// The image ID is the config's digest: it differs whenever any byte of the config does,
	// fields strata does not list (docker_version, container_config, …) included.
	put("id", img.ID)
	put("created", image.Time{Time: c.Created.Time})
	put("author", c.Author)
	put("os", c.OS)
	put("architecture", c.Architecture)
	put("variant", c.Variant)
	put("os_version", c.OSVersion)
	cc := c.Config
	put("user", cc.User)
	put("working_dir", cc.WorkingDir)
	put("entrypoint", cc.Entrypoint)
	put("cmd", cc.Cmd)
	put("shell", cc.Shell)
	put("on_build", cc.OnBuild)
	put("stop_signal", cc.StopSignal)
	if cc.Healthcheck != nil {
		put("healthcheck", healthcheck(cc.Healthcheck))
	}
	for _, e := range cc.Env {
		k, v, _ := strings.Cut(e, "=")
		m["env."+k] = v
	}
	for k, v := range cc.Labels {
		m["labels."+k] = v
	}
	for p := range cc.ExposedPorts {
		m["exposed_ports."+p] = true
	}
	for p := range cc.Volumes {
		m["volumes."+p] = true
	}
	return m
}

func healthcheck(h *v1.HealthConfig) map[string]any {
	b, _ := json.Marshal(h)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// buildRecords are the config keys that record how an image was built, not what a
// container of it runs: the image ID (the config's digest, which changes with any byte), the
// legacy builder's parent image ID, the build container's ID and config, the engine's
// version, the step's parent image (config.Image), the build container's host and domain
// names (config.Hostname, config.Domainname, which docker run does not take from an
// image), and BuildKit's build information. Every rebuild changes some of them.
var buildRecords = map[string]bool{
	"id": true, "parent": true, "container": true, "container_config": true, "docker_version": true,
	"config.Image": true, "config.Hostname": true, "config.Domainname": true,
	"moby.buildkit.buildinfo.v1": true,
}

// BuildRecord reports whether a config field (as diff names it) only records how the image
// was built: diff lists such changes under build_config, apart from the others, and
// --semantic ignores them.
func BuildRecord(field string) bool { return buildRecords[field] }

// compareConfig lists changed config fields, sorted by field: the runtime ones, and apart,
// the build records (none with --semantic, which also ignores created).
func compareConfig(old, new *image.Image, opts Options) (runtime, build []ConfigChange) {
	a, b := fields(old), fields(new)
	rawFields(old.RawConfig, a)
	rawFields(new.RawConfig, b)
	names := map[string]bool{}
	for k := range a {
		names[k] = true
	}
	for k := range b {
		names[k] = true
	}
	runtime, build = []ConfigChange{}, []ConfigChange{}
	for k := range names {
		if opts.Semantic && (k == "created" || BuildRecord(k)) {
			continue
		}
		va, oka := a[k]
		vb, okb := b[k]
		if oka && okb && reflect.DeepEqual(va, vb) {
			continue
		}
		if BuildRecord(k) {
			build = append(build, ConfigChange{Field: k, Old: va, New: vb})
		} else {
			runtime = append(runtime, ConfigChange{Field: k, Old: va, New: vb})
		}
	}
	sort.Slice(runtime, func(i, j int) bool { return runtime[i].Field < runtime[j].Field })
	sort.Slice(build, func(i, j int) bool { return build[i].Field < build[j].Field })
	return runtime, build
}

// configValues lists every non-empty config field, sorted: what an export loses.
func configValues(img *image.Image) []ConfigValue {
	out := []ConfigValue{}
	for k, v := range fields(img) {
		if k == "id" {
			continue // the image's identity, not a field of its config
		}
		out = append(out, ConfigValue{Field: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// ConfigFields flattens an image's config as diff compares it: field → value, env, labels,
// exposed ports and volumes one field per item (`env.PATH`, `exposed_ports.80/tcp`), the
// image ID as "id"; absent and empty fields are omitted. Values marshal to JSON.
func ConfigFields(img *image.Image) map[string]any { return fields(img) }
