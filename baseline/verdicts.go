package baseline

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/strata-dev/strata/history"
	"github.com/strata-dev/strata/inspect"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
)

func pass(rule, msg string) Verdict {
	return Verdict{Rule: rule, Layer: -1, Message: msg, Paths: []string{}}
}

func fail(rule string, layer int, createdBy, msg string, paths []string) Verdict {
	if paths == nil {
		paths = []string{}
	}
	return Verdict{Rule: rule, Failed: true, Layer: layer, CreatedBy: createdBy, Message: msg, Paths: paths}
}

// allow turns failures the policy allows into passes saying so.
func allow(vs []Verdict, allowed bool, key string) []Verdict {
	if !allowed {
		return vs
	}
	for i := range vs {
		if vs[i].Failed {
			vs[i].Failed = false
			vs[i].Message += " (allowed: " + key + ")"
		}
	}
	return vs
}

func baseVerdicts(c *Comparison, lk *Lock, img *image.Image, p Policy) []Verdict {
	now := baseOf(img)
	base := c.BaseLayers
	if base == 0 && lk.Base.Name == "" && lk.Base.Digest == "" {
		v := pass(RuleBase, "base layers unknown: set baseline.base_layers, run strata baseline --base-layers N, or LABEL "+keyBaseName+" right after FROM")
		v.Skipped = true
		return []Verdict{v}
	}
	var vs []Verdict
	for _, lc := range c.Layers {
		if lc.LockLayer < 0 || lc.LockLayer >= base {
			continue
		}
		name := "base " + layerName(lc.LockLayer, lc.LockCreatedBy)
		switch {
		case lc.Class == Removed:
			vs = append(vs, fail(RuleBase, -1, lc.LockCreatedBy, name+" is gone from the image", nil))
		case lc.Class != Unchanged && lc.Class != Rebuilt:
			vs = append(vs, fail(RuleBase, lc.Layer, lc.CreatedBy,
				fmt.Sprintf("%s %s: %s → %s%s", name, lc.Class, short(lc.LockDiffID), short(lc.DiffID), sizeChange(lc)), causePaths(lc.Causes, 0)))
		case lc.Layer != lc.LockLayer:
			vs = append(vs, fail(RuleBase, lc.Layer, lc.CreatedBy, fmt.Sprintf("%s is now layer %d", name, lc.Layer), nil))
		}
	}
	for _, lc := range c.Layers {
		if lc.Class == Added && lc.Layer < base {
			vs = append(vs, fail(RuleBase, lc.Layer, lc.CreatedBy, layerName(lc.Layer, lc.CreatedBy)+" added among the base layers", nil))
		}
	}
	if p.BaseLayers == nil && lk.Base.From == "history" && now.From == "history" && now.Layers != base {
		vs = append(vs, fail(RuleBase, -1, "", fmt.Sprintf("the base now has %s, the lock's %d", units.Count(now.Layers, "layer"), base), nil))
	}
	// What the image says of its base against what the lock recorded (nothing recorded:
	// nothing to hold it to).
	var said []string
	if lk.Base.Name != "" && now.Name != lk.Base.Name {
		said = append(said, fmt.Sprintf("%s → %s (%s)", escape.String(lk.Base.Name), orNone(now.Name), keyBaseName))
	}
	if lk.Base.Digest != "" && now.Digest != lk.Base.Digest {
		said = append(said, fmt.Sprintf("%s → %s (%s)", escape.String(lk.Base.Digest), orNone(now.Digest), keyBaseDigest))
	}
	if len(said) > 0 {
		vs = append(vs, fail(RuleBase, -1, "", "base image changed: "+strings.Join(said, ", "), nil))
	}
	if len(vs) == 0 {
		what := fmt.Sprintf("the %d base layer(s) are unchanged", base)
		if base == 0 {
			what = "the base image is unchanged"
		}
		if lk.Base.Name != "" {
			what += " (" + escape.String(lk.Base.Name) + ")"
		}
		return []Verdict{pass(RuleBase, what)}
	}
	return allow(vs, p.AllowBaseChange, "allow_base_change")
}

func layerVerdicts(c *Comparison, p Policy) []Verdict {
	var added, removed, grown []Verdict
	limit := p.growthLimit()
	var largest *LayerClass
	for i := range c.Layers {
		lc := &c.Layers[i]
		switch lc.Class {
		case Added:
			if lc.Layer < c.BaseLayers {
				continue // the base rule's
			}
			added = append(added, fail(RuleAddedLayers, lc.Layer, lc.CreatedBy,
				fmt.Sprintf("%s added (%s, %s)%s", layerName(lc.Layer, lc.CreatedBy), humanSize(lc.Size), units.Count(lc.Files, "entry"), causeText(lc.Causes, 0)),
				causePaths(lc.Causes, 0)))
		case Removed:
			if lc.LockLayer < c.BaseLayers {
				continue
			}
			removed = append(removed, fail(RuleRemovedLayers, -1, lc.LockCreatedBy,
				fmt.Sprintf("lock %s removed (%s, %s)%s", layerName(lc.LockLayer, lc.LockCreatedBy), humanSize(lc.LockSize), units.Count(lc.LockFiles, "entry"), causeText(lc.Causes, 0)),
				causePaths(lc.Causes, 0)))
		case Grown:
			if lc.Base {
				continue
			}
			if largest == nil || growthMore(lc, largest) {
				largest = lc
			}
			if limit < 0 || lc.Percent != nil && *lc.Percent <= float64(limit) {
				continue
			}
			grown = append(grown, fail(RuleLayerGrowth, lc.Layer, lc.CreatedBy,
				fmt.Sprintf("%s grew %s (%s, limit %s)%s", layerName(lc.Layer, lc.CreatedBy), humanSize(lc.Delta), pctOrEmpty(lc), limit, causeText(lc.Causes, 1)),
				causePaths(lc.Causes, 1)))
		}
	}
	var out []Verdict
	if len(added) == 0 {
		out = append(out, pass(RuleAddedLayers, "no layer added"))
	}
	out = append(out, allow(added, p.AllowAddedLayers, "allow_added_layers")...)
	if len(removed) == 0 {
		out = append(out, pass(RuleRemovedLayers, "no layer removed"))
	}
	out = append(out, allow(removed, p.AllowRemovedLayers, "allow_removed_layers")...)
	if len(grown) == 0 {
		msg := "no layer grew"
		if largest != nil {
			msg = fmt.Sprintf("no layer grew more than %s (most: %s %s)", limit, layerName(largest.Layer, largest.CreatedBy), pctOrEmpty(largest))
			if limit < 0 {
				msg = fmt.Sprintf("no growth limit (most: %s %s)", layerName(largest.Layer, largest.CreatedBy), pctOrEmpty(largest))
			}
		}
		out = append(out, pass(RuleLayerGrowth, msg))
	}
	return append(out, grown...)
}

func growthMore(a, b *LayerClass) bool {
	if a.Percent == nil || b.Percent == nil {
		return a.Percent == nil && b.Percent != nil
	}
	return *a.Percent > *b.Percent
}

func pctOrEmpty(lc *LayerClass) string {
	if lc.Percent == nil {
		return "from empty"
	}
	return percent(*lc.Percent)
}

func findingVerdicts(lk *Lock, img *image.Image, fs *fstree.FS, p Policy) []Verdict {
	var out []Verdict
	// Setuid and setgid files not in the lock, grouped by the layer that provides them.
	known := set(lk.Setuid)
	byLayer := map[int][]string{}
	for _, s := range setuid(fs) {
		if !known[s] {
			if n := fs.Lookup(s); n != nil {
				byLayer[int(n.Layer)] = append(byLayer[int(n.Layer)], s)
			}
		}
	}
	var vs []Verdict
	for _, li := range sortedKeys(byLayer) {
		paths := byLayer[li]
		cb := createdBy(img, li)
		var shown []string
		for _, s := range paths {
			shown = append(shown, fmt.Sprintf("%s (%s)", escape.String(s), image.Mode(fs.Lookup(s).Entry.Mode)))
		}
		vs = append(vs, fail(RuleSetuid, li, cb, fmt.Sprintf("%s adds setuid/setgid %s", layerName(li, cb), list(shown, 5)), paths))
	}
	if len(vs) == 0 {
		out = append(out, pass(RuleSetuid, fmt.Sprintf("no new setuid/setgid file (%d locked)", len(lk.Setuid))))
	}
	out = append(out, allow(vs, p.AllowNewSetuid, "allow_new_setuid")...)

	// Hidden secret-looking files not in the lock, by the layer that ships them.
	known = set(lk.SensitiveHidden)
	type shipped struct {
		path string
		by   int
	}
	ships := map[int][]shipped{}
	seen := map[string]bool{}
	for _, h := range fs.Hidden {
		p := h.Entry.Path
		if h.Entry.Type == image.TypeDir || h.Entry.Whiteout != image.NotWhiteout || known[p] || seen[p] || !inspect.Sensitive(p) {
			continue
		}
		seen[p] = true
		ships[h.Layer] = append(ships[h.Layer], shipped{p, h.By})
	}
	vs = nil
	for _, li := range sortedKeys(ships) {
		cb := createdBy(img, li)
		var shown, paths []string
		for _, s := range ships[li] {
			paths = append(paths, s.path)
			shown = append(shown, fmt.Sprintf("%s (hidden by layer %d)", escape.String(s.path), s.by))
		}
		sort.Strings(paths)
		sort.Strings(shown)
		vs = append(vs, fail(RuleSensitiveHidden, li, cb,
			fmt.Sprintf("%s ships %s: deleted later, still in the image", layerName(li, cb), list(shown, 5)), paths))
	}
	if len(vs) == 0 {
		out = append(out, pass(RuleSensitiveHidden, fmt.Sprintf("no new hidden secret-looking file (%d locked)", len(lk.SensitiveHidden))))
	}
	return append(out, allow(vs, p.AllowNewSensitiveHidden, "allow_new_sensitive_hidden")...)
}

func configVerdicts(c *Comparison, lk *Lock, img *image.Image, p Policy) []Verdict {
	var out []Verdict
	var ports []string
	for _, ch := range c.Config {
		if port, ok := strings.CutPrefix(ch.Field, "exposed_ports."); ok && ch.New != nil && ch.Old == nil {
			ports = append(ports, port)
		}
	}
	if len(ports) == 0 {
		out = append(out, pass(RulePorts, "no new exposed port"))
	} else {
		cb := historyRow(img, "EXPOSE")
		msg := "new exposed port(s) " + list(printable(ports), 10)
		if cb != "" {
			msg += " (" + shortCmd(cb) + ")"
		}
		out = append(out, allow([]Verdict{fail(RulePorts, -1, cb, msg, nil)}, p.AllowNewPorts, "allow_new_ports")...)
	}
	old, _ := lk.Config["user"].(string)
	now := ""
	if img.Config != nil {
		now = img.Config.Config.User
	}
	if old == now {
		out = append(out, pass(RuleUser, "user unchanged: "+userName(old)))
	} else {
		cb := historyRow(img, "USER")
		out = append(out, allow([]Verdict{fail(RuleUser, -1, cb, fmt.Sprintf("user changed: %s → %s", userName(old), userName(now)), nil)}, p.AllowUserChange, "allow_user_change")...)
	}
	return out
}

func userName(u string) string {
	if u == "" {
		return `"" (root)`
	}
	return fmt.Sprintf("%q", escape.String(u))
}

// historyRow is the last history row whose command is the instruction (EXPOSE, USER), or "".
func historyRow(img *image.Image, instr string) string {
	if img.Config == nil {
		return ""
	}
	for i := len(img.Config.History) - 1; i >= 0; i-- {
		cb := img.Config.History[i].CreatedBy
		s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(cb, "/bin/sh -c")), "#(nop)"))
		if strings.HasPrefix(s, instr+" ") {
			return cb
		}
	}
	return ""
}

func createdBy(img *image.Image, li int) string {
	if li < 0 || li >= len(img.Layers) {
		return ""
	}
	return img.Layers[li].CreatedBy()
}

func set(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func printable(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = escape.String(x)
	}
	return out
}

// list joins at most n items, then "…".
func list(items []string, n int) string {
	if len(items) > n {
		return strings.Join(items[:n], ", ") + fmt.Sprintf(", … (%d in all)", len(items))
	}
	return strings.Join(items, ", ")
}

// layerName is "layer N CMD" with the command shortened as docker history shows it.
func layerName(i int, createdBy string) string {
	if cmd := shortCmd(createdBy); cmd != "" {
		return fmt.Sprintf("layer %d %s", i, cmd)
	}
	return fmt.Sprintf("layer %d", i)
}

// maxCmd bounds a command in a message, in runes.
const maxCmd = 72

// shortCmd shows a created_by as its Dockerfile instruction: "RUN apt-get install -y llvm"
// for the legacy builder's "/bin/sh -c apt-get …" and BuildKit's "RUN /bin/sh -c … #
// buildkit", "COPY …" for "/bin/sh -c #(nop) COPY …"; whitespace collapsed, control
// characters escaped, at most maxCmd runes.
func shortCmd(s string) string {
	s = escape.String(history.Command(s))
	if r := []rune(s); len(r) > maxCmd {
		s = string(r[:maxCmd-1]) + "…"
	}
	return s
}

// short is a digest's first 12 hex digits, or "none".
func short(d string) string {
	if d == "" {
		return "none"
	}
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return hex[:12]
	}
	return d
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return escape.String(s)
}

func sizeChange(lc LayerClass) string {
	if lc.Delta == 0 {
		return ", same size"
	}
	return fmt.Sprintf(", %s (%s)", signed(lc.Delta), pctOrEmpty(&lc))
}

func signed(n int64) string {
	if n < 0 {
		return "-" + humanSize(-n)
	}
	return "+" + humanSize(n)
}

// humanSize writes bytes as every strata output does (units.Size: "40.37kB").
func humanSize(n int64) string { return units.Size(n) }

// shownCauses picks the causes a message names: of the given sign (1 growth, -1 shrinkage,
// 0 any), without a directory that files already named explain (80% of its change).
func shownCauses(cs []Cause, sign int) []Cause {
	keep := func(c Cause) bool { return !(sign > 0 && c.Delta <= 0 || sign < 0 && c.Delta >= 0) }
	var files []Cause
	for _, c := range cs {
		if keep(c) && !c.Dir {
			files = append(files, c)
		}
	}
	var out []Cause
	for _, c := range cs {
		if !keep(c) {
			continue
		}
		if c.Dir {
			var explained int64
			for _, f := range files {
				if strings.HasPrefix(f.Path, c.Path+"/") {
					explained += f.Delta
				}
			}
			if abs(explained)*5 >= abs(c.Delta)*4 {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func causePaths(cs []Cause, sign int) []string {
	out := []string{}
	for _, c := range shownCauses(cs, sign) {
		out = append(out, c.Path)
	}
	return out
}

// maxShown is how many causes a message names.
const maxShown = 3

func causeText(cs []Cause, sign int) string {
	shown := shownCauses(cs, sign)
	if len(shown) == 0 {
		return ""
	}
	var parts []string
	for i, c := range shown {
		if i == maxShown {
			parts = append(parts, "…")
			break
		}
		p := escape.String(c.Path)
		if c.Dir {
			p = path.Clean(p) + "/"
		}
		switch c.Change {
		case "added":
			parts = append(parts, fmt.Sprintf("+%s (%s)", p, humanSize(c.Size)))
		case "removed":
			parts = append(parts, fmt.Sprintf("-%s (%s)", p, humanSize(-c.Delta)))
		default:
			parts = append(parts, fmt.Sprintf("%s (%s)", p, signed(c.Delta)))
		}
	}
	return ": " + strings.Join(parts, ", ")
}

// Command shows a created_by as a failure line does: its Dockerfile instruction, whitespace
// collapsed, control characters escaped, at most 72 runes ("RUN apt-get install -y llvm").
func Command(createdBy string) string { return shortCmd(createdBy) }

// Shown returns the causes a failure line names: a directory is left out when the files
// named below it explain most of its change.
func (lc LayerClass) Shown() []Cause { return shownCauses(lc.Causes, 0) }
