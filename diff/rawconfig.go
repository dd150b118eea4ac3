package diff

import (
	"bytes"
	"encoding/json"
	"sort"
)

// listed are the config document's keys that fields compares under names of its own (or
// that the layers and history comparisons cover); rawFields compares every other key.
var listed = map[string]bool{
	"created": true, "author": true, "os": true, "architecture": true, "variant": true,
	"os.version": true, "rootfs": true, "history": true,
	"config.User": true, "config.WorkingDir": true, "config.Entrypoint": true, "config.Cmd": true,
	"config.Shell": true, "config.OnBuild": true, "config.StopSignal": true,
	"config.Healthcheck": true, "config.Env": true, "config.Labels": true,
	"config.ExposedPorts": true, "config.Volumes": true,
}

// rawFields adds the config document's other keys to m, named by their JSON path
// ("docker_version", "container_config", "config.Hostname") with their compact JSON as the
// value (a json.RawMessage: it marshals as the value it is), so that two configs whose listed fields agree still show which keys make their
// digests (the image IDs) differ. Objects under the top level and under "config" are
// compared key by key; deeper values whole. A null or zero value counts as absent.
func rawFields(raw []byte, m map[string]any) {
	if len(raw) == 0 {
		return
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return // parsed already by the loader; a config that is not an object has no keys
	}
	add := func(k string, v json.RawMessage) {
		if listed[k] || isNull(v) {
			return
		}
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			m[k] = json.RawMessage(buf.Bytes()) // the value itself, not a string of it
		}
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "config" {
			add(k, top[k])
			continue
		}
		var sub map[string]json.RawMessage
		if json.Unmarshal(top[k], &sub) != nil {
			add(k, top[k])
			continue
		}
		for sk, sv := range sub {
			add("config."+sk, sv)
		}
	}
}

// isNull reports a null or zero value (false, 0, "", {}, []): absent, as fields omits
// empty fields.
func isNull(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "", "null", "false", "0", `""`, "{}", "[]":
		return true
	}
	return false
}
