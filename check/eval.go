package check

import (
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/content"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
	"github.com/strata-dev/strata/packages"
)

// Input is what a check evaluates: the image, its merged filesystem and its inspect report.
type Input struct {
	Image  *image.Image
	FS     *fstree.FS
	Report *inspect.Report
	// Packages is the image's packages report, for the package rules (nil when not read:
	// those rules are then errors).
	Packages *packages.Report
}

// Options are the check's optional parts.
type Options struct {
	// Baseline, when set, holds the image against a lock under the rules' baseline: policy.
	Baseline Baseline
}

// MaxContent bounds the bytes of one file a content rule reads.
const MaxContent = 64 << 20

// maxListed bounds the findings a reason line names; the findings list is complete.
const maxListed = 3

type evaluator struct {
	set     *Set
	in      Input
	content map[*image.Entry][]byte
	readErr error
	// unavailable are entries a streamed input did not keep.
	unavailable map[*image.Entry]bool
	out         []Result
}

// Run evaluates every rule of the set. It reads the content of the files rules name (and
// /etc/passwd for a named user), nothing else. Run fails only when the input cannot be read;
// a rule that cannot be evaluated is an Error result.
func Run(set *Set, in Input, opts Options) (*Report, error) {
	e := &evaluator{set: set, in: in}
	if err := e.prefetch(); err != nil {
		return nil, err
	}
	r := &set.Rules
	e.sizeRules(r)
	e.contentRules(r)
	e.packageRules(r)
	e.configRules(r)
	for i := range r.Files {
		key := fmt.Sprintf("files[%d]", i)
		e.file(key, &r.Files[i])
	}
	if r.Config != nil {
		for _, c := range e.configChecks(r.Config) {
			res := Result{Rule: "config." + c.key, Name: c.name, Value: c.value, Limit: c.limit}
			e.finish(&res, c.findings, c.err)
			e.add(res)
		}
	}
	for _, k := range set.disabled {
		e.add(Result{Rule: k.key, Name: k.name, Status: Skip, Reason: k.reason})
	}
	if set.CST != nil {
		e.cst(set.CST)
	}
	if set.diveKeys {
		for i := range e.out {
			if k, ok := diveKeyOf[e.out[i].Rule]; ok {
				e.out[i].Rule = k
				e.out[i].Source = set.Where(k)
			}
		}
	}
	var warnings []string
	if r.Baseline != nil && opts.Baseline == nil {
		warnings = append(warnings, "the rules have a baseline: policy but no --baseline lock was given: baseline rules not evaluated")
	}
	if opts.Baseline != nil {
		w, err := e.baseline(opts.Baseline)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}
	rep := &Report{
		Image:    Subject{Source: in.Image.Source, ID: in.Image.ID, RepoTags: nonNil(in.Image.RepoTags)},
		Results:  nonNilResults(e.out),
		Sources:  nonNil(set.Files),
		Warnings: nonNil(warnings),
	}
	for _, res := range rep.Results {
		switch res.Status {
		case Pass:
			rep.Summary.Pass++
		case Fail:
			rep.Summary.Fail++
		case Skip:
			rep.Summary.Skip++
		case Error:
			rep.Summary.Error++
		}
	}
	rep.Passed = rep.Summary.Fail == 0 && rep.Summary.Error == 0
	return rep, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilResults(s []Result) []Result {
	if s == nil {
		return []Result{}
	}
	for i := range s {
		if s[i].Findings == nil {
			s[i].Findings = []Finding{}
		}
	}
	return s
}

func (e *evaluator) add(r Result) {
	if r.Source == (Location{}) {
		r.Source = e.set.Where(r.Rule)
	}
	e.out = append(e.out, r)
}

// finish sets a result's status and reason from its findings (or the error that kept it
// from being evaluated).
func (e *evaluator) finish(r *Result, findings []Finding, err error) {
	r.Findings = findings
	switch {
	case err != nil:
		r.Status, r.Reason = Error, err.Error()
	case len(findings) > 0:
		r.Status = Fail
		if r.Reason == "" {
			r.Reason = summarize(findings)
		}
	default:
		r.Status = Pass
	}
}

// summarize names the first findings and counts the rest.
func summarize(fs []Finding) string {
	var parts []string
	for i, f := range fs {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(fs)-maxListed))
			break
		}
		parts = append(parts, f.Message)
	}
	return strings.Join(parts, "; ")
}

// diveKeyOf names strata's rules by the .dive-ci keys they implement.
var diveKeyOf = map[string]string{"min_efficiency": "lowestEfficiency", "max_wasted_bytes": "highestWastedBytes", "max_wasted_percent": "highestUserWastedPercent"}

// errNoConfig is the error of a config rule on an input without a config.
var errNoConfig = errors.New("the input has no image config (a root filesystem tarball): cannot be evaluated")

func (e *evaluator) config() (*imageConfig, error) {
	c := e.in.Image.Config
	if c == nil {
		return nil, errNoConfig
	}
	return &imageConfig{c.Config.User, c.Config.Env, c.Config.Entrypoint, c.Config.Cmd, c.Config.WorkingDir, c.Config.Labels, keys(c.Config.ExposedPorts), keys(c.Config.Volumes)}, nil
}

type imageConfig struct {
	User       string
	Env        []string
	Entrypoint []string
	Cmd        []string
	Workdir    string
	Labels     map[string]string
	Ports      []string
	Volumes    []string
}

func keys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (e *evaluator) createdBy(layer int) string {
	if layer < 0 || layer >= len(e.in.Image.Layers) {
		return ""
	}
	return oneLine(e.in.Image.Layers[layer].CreatedBy(), 60)
}

// oneLine shortens a command to n runes on one line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimPrefix(s, "/bin/sh -c ")
	s = strings.TrimPrefix(s, "#(nop) ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

func layerName(i int, createdBy string) string {
	if createdBy == "" {
		return fmt.Sprintf("layer %d", i)
	}
	return fmt.Sprintf("layer %d (%s)", i, createdBy)
}

// ---- size and bloat

func (e *evaluator) sizeRules(r *Rules) {
	rep := e.in.Report
	if r.MaxSize != nil {
		res := Result{Rule: "max_size", Name: "image size", Value: humanBytes(rep.Size), Limit: "≤ " + r.MaxSize.String()}
		var fs []Finding
		if rep.Size > int64(*r.MaxSize) {
			res.Reason = fmt.Sprintf("%s is %s over the limit; largest files: %s", humanBytes(rep.Size), humanBytes(rep.Size-int64(*r.MaxSize)), e.largestFiles(3))
			for _, l := range rep.Layers {
				if l.Size > 0 {
					fs = append(fs, Finding{Message: fmt.Sprintf("%s adds %s", layerName(l.Index, oneLine(l.CreatedBy, 60)), humanBytes(l.Size)), Layer: layerRef(l.Index)})
				}
			}
			sort.SliceStable(fs, func(i, j int) bool { return rep.Layers[*fs[i].Layer].Size > rep.Layers[*fs[j].Layer].Size })
		}
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.MaxLayers != nil {
		res := Result{Rule: "max_layers", Name: "layer count", Value: strconv.Itoa(len(rep.Layers)), Limit: "≤ " + strconv.Itoa(*r.MaxLayers)}
		var fs []Finding
		if len(rep.Layers) > *r.MaxLayers {
			res.Reason = fmt.Sprintf("%d layers, %d over the limit; the layers beyond it: %s", len(rep.Layers), len(rep.Layers)-*r.MaxLayers, e.topLayers(len(rep.Layers)-*r.MaxLayers))
			for _, l := range rep.Layers[*r.MaxLayers:] {
				fs = append(fs, Finding{Message: layerName(l.Index, oneLine(l.CreatedBy, 60)), Layer: layerRef(l.Index)})
			}
		}
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.MaxLayerSize != nil {
		res := Result{Rule: "max_layer_size", Name: "largest layer", Limit: "≤ " + r.MaxLayerSize.String()}
		var fs []Finding
		var largest int64
		for _, l := range rep.Layers {
			largest = max(largest, l.Size)
			if l.Size > int64(*r.MaxLayerSize) {
				var files []string
				for _, t := range l.TopFiles {
					if len(files) == maxListed {
						break
					}
					files = append(files, fmt.Sprintf("%s (%s)", t.Path, humanBytes(t.Size)))
				}
				fs = append(fs, Finding{Message: fmt.Sprintf("%s is %s: %s", layerName(l.Index, oneLine(l.CreatedBy, 60)), humanBytes(l.Size), strings.Join(files, ", ")), Layer: layerRef(l.Index)})
			}
		}
		res.Value = humanBytes(largest)
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.MinEfficiency != nil {
		res := Result{Rule: "min_efficiency", Name: "efficiency", Value: pct(rep.Efficiency), Limit: "≥ " + pct(float64(*r.MinEfficiency))}
		var fs []Finding
		if rep.Efficiency < float64(*r.MinEfficiency) {
			fs = e.wasteFindings()
			res.Reason = fmt.Sprintf("%s wasted: %s", humanBytes(rep.WastedBytes), summarize(fs))
		}
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.MaxWastedBytes != nil {
		res := Result{Rule: "max_wasted_bytes", Name: "wasted bytes", Value: humanBytes(rep.WastedBytes), Limit: "≤ " + r.MaxWastedBytes.String()}
		var fs []Finding
		if rep.WastedBytes > int64(*r.MaxWastedBytes) {
			fs = e.wasteFindings()
		}
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.MaxWastedPercent != nil {
		p := UserWastedPercent(rep)
		res := Result{Rule: "max_wasted_percent", Name: "wasted share of the bytes above the base layer", Value: fmt.Sprintf("%.2f%%", p), Limit: fmt.Sprintf("≤ %g%%", float64(*r.MaxWastedPercent))}
		var fs []Finding
		if p > float64(*r.MaxWastedPercent) {
			fs = e.wasteFindings()
			res.Reason = fmt.Sprintf("%s wasted of %s added above the base layer: %s", humanBytes(rep.WastedBytes), humanBytes(userBytes(rep)), summarize(fs))
		}
		e.finish(&res, fs, nil)
		e.add(res)
	}
}

// count writes "1 label", "2 labels".
func count(n int, noun string) string { return units.Count(n, noun) }

func pct(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

func userBytes(rep *inspect.Report) int64 {
	var n int64
	for _, l := range rep.Layers[min(1, len(rep.Layers)):] {
		n += l.Size
	}
	return n
}

// UserWastedPercent is the wasted bytes as a percentage of the bytes the layers above the
// base layer add (dive's "user wasted percent", ×100). With nothing added above the base, it
// is 0 without waste and +Inf with some.
func UserWastedPercent(rep *inspect.Report) float64 {
	u := userBytes(rep)
	switch {
	case rep.WastedBytes == 0:
		return 0
	case u == 0:
		return math.Inf(1)
	}
	return 100 * float64(rep.WastedBytes) / float64(u)
}

func (e *evaluator) wasteFindings() []Finding {
	var fs []Finding
	for _, w := range e.in.Report.Wasted {
		what := w.Path
		if w.Files > 1 {
			what = fmt.Sprintf("%s (%d files)", w.Path, w.Files)
		}
		fs = append(fs, Finding{Message: fmt.Sprintf("%s %s from layer %d, %s in layer %d", what, humanBytes(w.Size), w.Layer, w.Reason, w.HiddenBy), Path: w.Path, Layer: layerRef(w.Layer)})
	}
	return fs
}

func (e *evaluator) largestFiles(n int) string {
	type f struct {
		p    string
		size int64
	}
	var top []f
	e.in.FS.Each(func(nd *fstree.Node) {
		if nd.Entry == nil || nd.Entry.Type != image.TypeFile {
			return
		}
		if len(top) == n && nd.Entry.Size <= top[n-1].size {
			return
		}
		top = append(top, f{nd.Path(), nd.Entry.Size})
		sort.Slice(top, func(i, j int) bool {
			if top[i].size != top[j].size {
				return top[i].size > top[j].size
			}
			return top[i].p < top[j].p
		})
		if len(top) > n {
			top = top[:n]
		}
	})
	var parts []string
	for _, t := range top {
		parts = append(parts, fmt.Sprintf("%s (%s)", t.p, humanBytes(t.size)))
	}
	return strings.Join(parts, ", ")
}

func (e *evaluator) topLayers(n int) string {
	ls := e.in.Report.Layers
	var parts []string
	for _, l := range ls[len(ls)-n:] {
		if len(parts) == maxListed {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, layerName(l.Index, oneLine(l.CreatedBy, 40)))
	}
	return strings.Join(parts, ", ")
}

// ---- content

func (e *evaluator) hiddenBy() map[*image.Entry]fstree.Hidden {
	m := make(map[*image.Entry]fstree.Hidden, len(e.in.FS.Hidden))
	for _, h := range e.in.FS.Hidden {
		m[h.Entry] = h
	}
	return m
}

func (e *evaluator) contentRules(r *Rules) {
	if r.ForbidPaths != nil {
		globs := *r.ForbidPaths
		res := Result{Rule: "forbid_paths", Name: "forbidden paths, in the final filesystem and every layer", Limit: "none of " + strings.Join(globPatterns(globs), ", ")}
		var fs []Finding
		hidden := e.hiddenBy()
		for _, l := range e.in.Image.Layers {
			for i := range l.Entries {
				en := &l.Entries[i]
				if en.Whiteout != image.NotWhiteout || !anyGlob(globs, en.Path) {
					continue
				}
				msg := fmt.Sprintf("%s (layer %d)", en.Path, l.Index)
				if h, ok := hidden[en]; ok && h.Reason != fstree.Overwritten {
					msg = fmt.Sprintf("%s (layer %d, %s in layer %d: still shipped)", en.Path, l.Index, h.Reason, h.By)
				} else if ok {
					msg = fmt.Sprintf("%s (layer %d, overwritten in layer %d)", en.Path, l.Index, h.By)
				}
				fs = append(fs, Finding{Message: msg, Path: en.Path, Layer: layerRef(l.Index)})
			}
		}
		e.in.FS.Walk(func(p string, n *fstree.Node) {
			if n.Entry == nil && anyGlob(globs, p) {
				fs = append(fs, Finding{Message: p + " (a directory the final filesystem implies)", Path: p})
			}
		})
		res.Value = fmt.Sprintf("%d found", len(fs))
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.ForbidSensitiveHidden != nil {
		res := Result{Rule: "forbid_sensitive_hidden", Name: "secrets deleted in a later layer but still shipped", Limit: "none"}
		if !*r.ForbidSensitiveHidden {
			res.Status, res.Reason = Skip, "disabled"
			e.add(res)
		} else {
			var fs []Finding
			for _, h := range e.in.Report.Hidden {
				if h.Sensitive {
					fs = append(fs, Finding{Message: fmt.Sprintf("%s (layer %d, %s in layer %d: still shipped)", h.Path, h.Layer, h.Reason, h.HiddenBy), Path: h.Path, Layer: layerRef(h.Layer)})
				}
			}
			res.Value = fmt.Sprintf("%d found", len(fs))
			e.finish(&res, fs, nil)
			e.add(res)
		}
	}
	if r.SetuidAllow != nil {
		allow := *r.SetuidAllow
		limit := "none"
		if len(allow) > 0 {
			limit = "only " + strings.Join(globPatterns(allow), ", ")
		}
		res := Result{Rule: "setuid_allow", Name: "setuid and setgid files", Limit: limit}
		var fs []Finding
		n := 0
		e.in.FS.Walk(func(p string, nd *fstree.Node) {
			en := nd.Entry
			if en == nil || (en.Type != image.TypeFile && en.Type != image.TypeHardlink) || en.Mode&06000 == 0 {
				return
			}
			n++
			if !anyGlob(allow, p) {
				fs = append(fs, Finding{Message: fmt.Sprintf("%s %s (layer %d)", modeString(nd), p, nd.Layer), Path: p, Layer: layerRef(int(nd.Layer))})
			}
		})
		res.Value = fmt.Sprintf("%d setuid/setgid", n)
		e.finish(&res, fs, nil)
		e.add(res)
	}
	if r.ForbidWorldWritable != nil {
		res := Result{Rule: "forbid_world_writable", Name: "world-writable files and directories (sticky directories such as /tmp allowed)", Limit: "none"}
		if !*r.ForbidWorldWritable {
			res.Status, res.Reason = Skip, "disabled"
			e.add(res)
		} else {
			var fs []Finding
			e.in.FS.Walk(func(p string, nd *fstree.Node) {
				en := nd.Entry
				if en == nil || en.Type == image.TypeSymlink || en.Mode&0o002 == 0 {
					return
				}
				if en.Type == image.TypeDir && en.Mode&01000 != 0 {
					return
				}
				fs = append(fs, Finding{Message: fmt.Sprintf("%s %s (layer %d)", modeString(nd), p, nd.Layer), Path: p, Layer: layerRef(int(nd.Layer))})
			})
			res.Value = fmt.Sprintf("%d found", len(fs))
			e.finish(&res, fs, nil)
			e.add(res)
		}
	}
}

func globPatterns(gs []Glob) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Pattern
	}
	return out
}

func anyGlob(gs []Glob, p string) bool {
	for _, g := range gs {
		if g.Match(p) {
			return true
		}
	}
	return false
}

// ---- config

func (e *evaluator) configRules(r *Rules) {
	if r.RequireNonRootUser != nil {
		res := Result{Rule: "require_non_root_user", Name: "the image runs as a user other than root", Limit: "not uid 0"}
		if !*r.RequireNonRootUser {
			res.Status, res.Reason = Skip, "disabled"
			e.add(res)
		} else {
			fs, err := e.nonRoot(&res)
			e.finish(&res, fs, err)
			e.add(res)
		}
	}
	if r.RequiredLabels != nil {
		want := *r.RequiredLabels
		res := Result{Rule: "required_labels", Name: "required labels", Limit: strings.Join(sortedKeys(want), ", ")}
		c, err := e.config()
		var fs []Finding
		if err == nil {
			for _, k := range sortedKeys(want) {
				v, ok := c.Labels[k]
				re := want[k]
				switch {
				case !ok:
					fs = append(fs, Finding{Message: "no label " + k})
				case re.Regexp != nil && re.String() != "" && !re.MatchString(v):
					fs = append(fs, Finding{Message: fmt.Sprintf("label %s=%q does not match %q", k, v, re.String())})
				}
			}
			res.Value = count(len(c.Labels), "label")
		}
		e.finish(&res, fs, err)
		e.add(res)
	}
	if r.ForbidEnv != nil {
		res := Result{Rule: "forbid_env", Name: "forbidden environment variables", Limit: "none of " + regexList(*r.ForbidEnv)}
		c, err := e.config()
		var fs []Finding
		if err == nil {
			var anchored []*regexp.Regexp
			for _, re := range *r.ForbidEnv {
				anchored = append(anchored, regexp.MustCompile("^(?:"+re.String()+")$"))
			}
			for _, kv := range c.Env {
				name, _, _ := strings.Cut(kv, "=")
				for i, re := range anchored {
					if re.MatchString(name) {
						fs = append(fs, Finding{Message: fmt.Sprintf("%s is set (matches %q; value not shown)", name, (*r.ForbidEnv)[i].String())})
						break
					}
				}
			}
			res.Value = count(len(c.Env), "variable")
		}
		e.finish(&res, fs, err)
		e.add(res)
	}
	if r.AllowedPorts != nil {
		allowed := *r.AllowedPorts
		var ls []string
		for _, p := range allowed {
			ls = append(ls, p.String())
		}
		res := Result{Rule: "allowed_ports", Name: "exposed ports", Limit: "only " + strings.Join(ls, ", ")}
		if len(allowed) == 0 {
			res.Limit = "none"
		}
		c, err := e.config()
		var fs []Finding
		if err == nil {
			res.Value = strings.Join(c.Ports, ", ")
			if res.Value == "" {
				res.Value = "none"
			}
			for _, s := range c.Ports {
				p, perr := ParsePort(s)
				if perr != nil {
					fs = append(fs, Finding{Message: fmt.Sprintf("exposed port %q is not a port", s)})
					continue
				}
				ok := false
				for _, a := range allowed {
					ok = ok || a.Contains(p)
				}
				if !ok {
					fs = append(fs, Finding{Message: fmt.Sprintf("port %s is exposed", p)})
				}
			}
		}
		e.finish(&res, fs, err)
		e.add(res)
	}
}

func regexList(rs []Regexp) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return strings.Join(out, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// nonRoot decides whether the config's user is root: "", 0, root, and any name
// /etc/passwd maps to uid 0 are.
func (e *evaluator) nonRoot(res *Result) ([]Finding, error) {
	c, err := e.config()
	if err != nil {
		return nil, err
	}
	res.Value = c.User
	if c.User == "" {
		res.Value = "(none)"
		return []Finding{{Message: "no USER is set: the container runs as root"}}, nil
	}
	user, _ := splitUser(c.User)
	if n, err := strconv.Atoi(user); err == nil {
		if n == 0 {
			return []Finding{{Message: fmt.Sprintf("USER %s is uid 0 (root)", c.User)}}, nil
		}
		return nil, nil
	}
	if user == "root" {
		return []Finding{{Message: fmt.Sprintf("USER %s is root", c.User)}}, nil
	}
	passwd, err := e.fileBytes("/etc/passwd")
	if err != nil {
		return nil, fmt.Errorf("USER %s is a name and /etc/passwd cannot be read to map it: %v", c.User, err)
	}
	if passwd == nil {
		return nil, fmt.Errorf("USER %s is a name and the image has no /etc/passwd to map it to a uid", c.User)
	}
	uid, ok := passwdUID(passwd, user)
	if !ok {
		return []Finding{{Message: fmt.Sprintf("USER %s is not in /etc/passwd: a runtime cannot start the container", c.User), Path: "/etc/passwd"}}, nil
	}
	res.Value = fmt.Sprintf("%s (uid %d)", c.User, uid)
	if uid == 0 {
		return []Finding{{Message: fmt.Sprintf("USER %s is uid 0 in /etc/passwd (root)", c.User), Path: "/etc/passwd"}}, nil
	}
	return nil, nil
}

// ---- content reads

// ContentPaths lists the files whose content the set's rules read: a streamed input must
// keep them as it passes (load.Options.Keep).
func (s *Set) ContentPaths() []string { return s.contentPaths(path.Clean) }

// contentPaths lists the paths the rules read, each passed through as: cleaned for Keep,
// which matches entry paths; as written for the lookups, which resolve ".." after a
// symbolic link as the kernel does (a lexical clean would name another file).
func (s *Set) contentPaths(as func(string) string) []string {
	var paths []string
	r := &s.Rules
	if r.RequireNonRootUser != nil && *r.RequireNonRootUser {
		paths = append(paths, "/etc/passwd")
	}
	for _, f := range r.Files {
		if len(f.Contains)+len(f.Excludes) > 0 {
			paths = append(paths, as(f.Path))
		}
	}
	if s.CST != nil {
		for _, t := range s.CST.FileContentTests {
			paths = append(paths, as(t.Path))
		}
	}
	return paths
}

// prefetch reads, in one batch, the content of every file a rule will read.
func (e *evaluator) prefetch() error {
	var refs []content.Ref
	for _, p := range e.set.contentPaths(func(p string) string { return p }) {
		n, err := lookup(e.in.FS, p, true)
		if err != nil || n == nil {
			continue
		}
		if en, li := contentOf(n); en != nil && en.Size <= MaxContent {
			l := e.in.Image.Layers[li]
			if _, kept := l.Kept[en.Offset]; !kept && l.ReaderAt == nil && l.Open == nil {
				// Streamed, and not kept as it passed (a symlink's target, say).
				if e.unavailable == nil {
					e.unavailable = map[*image.Entry]bool{}
				}
				e.unavailable[en] = true
				continue
			}
			refs = append(refs, content.Ref{Layer: l, Entry: en})
		}
	}
	if len(refs) == 0 {
		return nil
	}
	m, err := content.Read(refs, MaxContent)
	if errors.Is(err, content.ErrUnavailable) {
		e.readErr = err
		return nil
	}
	if err != nil {
		return err
	}
	e.content = m
	return nil
}

// fileBytes returns the content of the file at p (symlinks followed), nil when there is no
// such file, and an error when it is not a regular file or cannot be read.
func (e *evaluator) fileBytes(p string) ([]byte, error) {
	n, err := lookup(e.in.FS, p, true)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, nil
	}
	en, _ := contentOf(n)
	if en == nil {
		return nil, fmt.Errorf("%s is not a regular file (%s)", p, modeString(n))
	}
	if en.Size > MaxContent {
		return nil, fmt.Errorf("%s is %d bytes: more than %d a content rule reads", p, en.Size, MaxContent)
	}
	if e.unavailable[en] {
		return nil, fmt.Errorf("%s: its content was not kept as the streamed input passed (only the paths rules name are, as written: not a symlink's target nor a hardlink's); pass the archive as an uncompressed file", p)
	}
	if e.readErr != nil {
		return nil, fmt.Errorf("%s: %v (a streamed input keeps only the files rules name, as written: not a symlink's target)", p, e.readErr)
	}
	b, ok := e.content[en]
	if !ok {
		return nil, fmt.Errorf("%s: content not read", p)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
