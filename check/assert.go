package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/strata-dev/strata/internal/fstree"
)

// file evaluates one file assertion.
func (e *evaluator) file(key string, f *FileAssertion) {
	res := Result{Rule: key, Name: f.describe()}
	fs, err := e.fileFindings(f, &res)
	e.finish(&res, fs, err)
	if f.Name != "" {
		res.Name = f.Name + ": " + res.Name
	}
	e.add(res)
}

func (f *FileAssertion) describe() string {
	exists := f.Exists == nil || *f.Exists
	where := "in the final filesystem"
	if f.In == "any_layer" {
		where = "in any layer"
	}
	if !exists {
		return fmt.Sprintf("%s is absent %s", f.Path, where)
	}
	var what []string
	if f.Permissions != "" {
		what = append(what, f.Permissions)
	}
	if f.UID != nil || f.GID != nil {
		what = append(what, "owner "+owner(f.UID, f.GID))
	}
	if f.ExecutableBy != "" {
		what = append(what, "executable by "+f.ExecutableBy)
	}
	if len(f.Contains) > 0 {
		what = append(what, "content matches "+regexList(f.Contains))
	}
	if len(f.Excludes) > 0 {
		what = append(what, "content does not match "+regexList(f.Excludes))
	}
	s := fmt.Sprintf("%s exists %s", f.Path, where)
	if len(what) > 0 {
		s += ": " + strings.Join(what, ", ")
	}
	return s
}

func owner(uid, gid *int) string {
	s := "*"
	if uid != nil {
		s = fmt.Sprint(*uid)
	}
	if gid != nil {
		return s + ":" + fmt.Sprint(*gid)
	}
	return s + ":*"
}

func (e *evaluator) fileFindings(f *FileAssertion, res *Result) ([]Finding, error) {
	exists := f.Exists == nil || *f.Exists
	if f.In == "any_layer" {
		var layers []int
		for _, l := range e.in.Image.Layers {
			for i := range l.Entries {
				if en := &l.Entries[i]; en.Path == f.Path && en.Whiteout == 0 {
					layers = append(layers, l.Index)
					break
				}
			}
		}
		res.Value = "in no layer"
		if len(layers) > 0 {
			res.Value = fmt.Sprintf("in layers %s", ints(layers))
		}
		res.Limit = map[bool]string{true: "in a layer", false: "in no layer"}[exists]
		switch {
		case exists && len(layers) == 0:
			return []Finding{{Message: f.Path + " is in no layer", Path: f.Path}}, nil
		case !exists && len(layers) > 0:
			var fs []Finding
			for _, l := range layers {
				fs = append(fs, Finding{Message: fmt.Sprintf("%s ships in layer %d", f.Path, l), Path: f.Path, Layer: layerRef(l)})
			}
			return fs, nil
		}
		return nil, nil
	}
	n, err := lookup(e.in.FS, f.Path, false)
	if err != nil {
		return nil, err
	}
	res.Limit = map[bool]string{true: "exists", false: "absent"}[exists]
	if n == nil {
		res.Value = "absent"
		if exists {
			return []Finding{{Message: f.Path + " does not exist", Path: f.Path}}, nil
		}
		return nil, nil
	}
	res.Value = modeString(n) + " " + owner(uidOf(n), gidOf(n))
	if !exists {
		return []Finding{{Message: fmt.Sprintf("%s exists (layer %d)", f.Path, n.Layer), Path: f.Path, Layer: layerRef(int(n.Layer))}}, nil
	}
	var fs []Finding
	bad := func(format string, args ...any) {
		fs = append(fs, Finding{Message: fmt.Sprintf(format, args...), Path: f.Path, Layer: layerRef(int(n.Layer))})
	}
	mode := uint32(fstree.ImpliedMode)
	if n.Entry != nil {
		mode = n.Entry.Mode
	}
	if f.Permissions != "" {
		ls, gos := modeString(n), goModeString(n)
		res.Limit += " " + f.Permissions
		if f.Permissions != ls && f.Permissions != gos {
			bad("%s is %s, want %s", f.Path, ls, f.Permissions)
		}
	}
	if f.UID != nil && *uidOf(n) != *f.UID {
		bad("%s is owned by uid %d, want %d", f.Path, *uidOf(n), *f.UID)
	}
	if f.GID != nil && *gidOf(n) != *f.GID {
		bad("%s is owned by gid %d, want %d", f.Path, *gidOf(n), *f.GID)
	}
	if f.UID != nil || f.GID != nil {
		res.Limit += " " + owner(f.UID, f.GID)
	}
	if f.ExecutableBy != "" {
		bits := map[string]uint32{"owner": 0o100, "group": 0o010, "other": 0o001, "any": 0o111}[f.ExecutableBy]
		res.Limit += " executable by " + f.ExecutableBy
		if mode&bits == 0 {
			bad("%s (%s) is not executable by %s", f.Path, modeString(n), f.ExecutableBy)
		}
	}
	if len(f.Contains)+len(f.Excludes) > 0 {
		b, err := e.fileBytes(f.Path)
		if err != nil {
			return nil, err
		}
		for _, re := range f.Contains {
			if !re.Match(b) {
				bad("%s does not match %q", f.Path, re.String())
			}
		}
		for _, re := range f.Excludes {
			if loc := re.FindIndex(b); loc != nil {
				line := 1 + strings.Count(string(b[:loc[0]]), "\n")
				bad("%s matches excluded %q at line %d", f.Path, re.String(), line)
			}
		}
	}
	return fs, nil
}

func uidOf(n *fstree.Node) *int {
	v := 0
	if n.Entry != nil {
		v = n.Entry.UID
	}
	return &v
}

func gidOf(n *fstree.Node) *int {
	v := 0
	if n.Entry != nil {
		v = n.Entry.GID
	}
	return &v
}

func ints(is []int) string {
	var s []string
	for _, i := range is {
		s = append(s, fmt.Sprint(i))
	}
	return strings.Join(s, ", ")
}

// configCheck is one checked config field.
type configCheck struct {
	key, name, value, limit string
	findings                []Finding
	err                     error
}

// configChecks evaluates each field a config assertion names.
func (e *evaluator) configChecks(a *ConfigAssertion) []configCheck {
	var out []configCheck
	c, err := e.config()
	add := func(key, name, value, limit string, fs []Finding) {
		out = append(out, configCheck{key: key, name: name, value: value, limit: limit, findings: fs, err: err})
	}
	if c == nil {
		c = &imageConfig{}
	}
	env := map[string]string{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if len(a.Env) > 0 {
		add("env", "environment variables", count(len(env), "variable"), kvNames(a.Env), kvFindings("variable", a.Env, env))
	}
	if len(a.AbsentEnv) > 0 {
		var fs []Finding
		for _, k := range a.AbsentEnv {
			if _, ok := env[k]; ok {
				fs = append(fs, Finding{Message: fmt.Sprintf("variable %s is set", k)})
			}
		}
		add("absent_env", "environment variables not set", count(len(env), "variable"), "unset "+strings.Join(a.AbsentEnv, ", "), fs)
	}
	if len(a.Labels) > 0 {
		add("labels", "labels", count(len(c.Labels), "label"), kvNames(a.Labels), kvFindings("label", a.Labels, c.Labels))
	}
	if a.Entrypoint != nil {
		add("entrypoint", "entrypoint", list(c.Entrypoint), list(*a.Entrypoint), listFindings("entrypoint", c.Entrypoint, *a.Entrypoint))
	}
	if a.Cmd != nil {
		add("cmd", "cmd", list(c.Cmd), list(*a.Cmd), listFindings("cmd", c.Cmd, *a.Cmd))
	}
	if a.Workdir != nil {
		var fs []Finding
		if c.Workdir != *a.Workdir {
			fs = append(fs, Finding{Message: fmt.Sprintf("workdir is %q, want %q", c.Workdir, *a.Workdir)})
		}
		add("workdir", "working directory", c.Workdir, *a.Workdir, fs)
	}
	if a.User != nil {
		var fs []Finding
		if c.User != *a.User {
			fs = append(fs, Finding{Message: fmt.Sprintf("user is %q, want %q", c.User, *a.User)})
		}
		add("user", "user", c.User, *a.User, fs)
	}
	if len(a.Volumes) > 0 || len(a.UnmountedVolumes) > 0 {
		var fs []Finding
		for _, v := range a.Volumes {
			if !slices.Contains(c.Volumes, v) {
				fs = append(fs, Finding{Message: "no volume " + v})
			}
		}
		for _, v := range a.UnmountedVolumes {
			if slices.Contains(c.Volumes, v) {
				fs = append(fs, Finding{Message: "volume " + v + " is declared"})
			}
		}
		limit := strings.Join(a.Volumes, ", ")
		if len(a.UnmountedVolumes) > 0 {
			limit = strings.TrimPrefix(limit+"; not "+strings.Join(a.UnmountedVolumes, ", "), "; ")
		}
		add("volumes", "volumes", strings.Join(c.Volumes, ", "), limit, fs)
	}
	if len(a.ExposedPorts) > 0 || len(a.UnexposedPorts) > 0 {
		var exposed []Port
		for _, s := range c.Ports {
			if p, err := ParsePort(s); err == nil {
				exposed = append(exposed, p)
			}
		}
		var fs []Finding
		var limit []string
		for _, want := range a.ExposedPorts {
			limit = append(limit, want.String())
			if !slices.ContainsFunc(exposed, want.Contains) {
				fs = append(fs, Finding{Message: fmt.Sprintf("port %s is not exposed", want)})
			}
		}
		for _, not := range a.UnexposedPorts {
			limit = append(limit, "not "+not.String())
			for _, p := range exposed {
				if not.Contains(p) {
					fs = append(fs, Finding{Message: fmt.Sprintf("port %s is exposed", p)})
				}
			}
		}
		add("exposed_ports", "exposed ports", strings.Join(c.Ports, ", "), strings.Join(limit, ", "), fs)
	}
	return out
}

func kvNames(kvs []KeyValue) string {
	var s []string
	for _, kv := range kvs {
		s = append(s, kv.Key)
	}
	return strings.Join(s, ", ")
}

func kvFindings(what string, want []KeyValue, have map[string]string) []Finding {
	var fs []Finding
	for _, kv := range want {
		v, ok := have[kv.Key]
		switch {
		case !ok:
			fs = append(fs, Finding{Message: fmt.Sprintf("%s %s is not set", what, kv.Key)})
		case kv.Regex:
			re, err := compileRegex(kv.Value)
			if err != nil {
				fs = append(fs, Finding{Message: fmt.Sprintf("%s %s: bad regular expression %q", what, kv.Key, kv.Value)})
			} else if !re.MatchString(v) {
				fs = append(fs, Finding{Message: fmt.Sprintf("%s %s=%q does not match %q", what, kv.Key, v, kv.Value)})
			}
		case v != kv.Value:
			fs = append(fs, Finding{Message: fmt.Sprintf("%s %s=%q, want %q", what, kv.Key, v, kv.Value)})
		}
	}
	return fs
}

func list(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func listFindings(what string, have, want []string) []Finding {
	if slices.Equal(have, want) {
		return nil
	}
	return []Finding{{Message: fmt.Sprintf("%s is %s, want %s", what, list(have), list(want))}}
}

// cst evaluates a container-structure-test file, one result per test.
func (e *evaluator) cst(c *CST) {
	for _, tc := range c.cases() {
		res := Result{Rule: tc.key, Name: tc.name, Source: c.where[tc.key]}
		if res.Source.File == "" {
			res.Source = Location{File: c.file}
		}
		switch {
		case tc.skip != "":
			res.Status, res.Reason = Skip, tc.skip
		case tc.file != nil:
			res.Name = tc.name + " (" + tc.file.describe() + ")"
			fs, err := e.fileFindings(tc.file, &res)
			e.finish(&res, fs, err)
		case tc.config != nil:
			var fs []Finding
			var err error
			var limits []string
			for _, ch := range e.configChecks(tc.config) {
				fs = append(fs, ch.findings...)
				limits = append(limits, ch.key+" "+ch.limit)
				err = ch.err
			}
			res.Limit = strings.Join(limits, "; ")
			e.finish(&res, fs, err)
		}
		e.add(res)
	}
}
