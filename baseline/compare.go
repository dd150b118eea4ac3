package baseline

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/strata-dev/strata/diff"
	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/units"
)

// Class is what became of a layer with respect to the lock.
type Class string

// The layer classes.
const (
	Unchanged Class = "unchanged" // the same diff_id
	Rebuilt   Class = "rebuilt"   // a new diff_id, the same fingerprint: only timestamps changed
	Changed   Class = "changed"   // other contents, the same size
	Grown     Class = "grown"     // other contents, more bytes
	Shrunk    Class = "shrunk"    // other contents, fewer bytes
	Added     Class = "added"     // in the image, not in the lock
	Removed   Class = "removed"   // in the lock, not in the image
)

// ConfigChange is a config field that differs from the lock's (as strata diff reports it).
type ConfigChange = diff.ConfigChange

// Comparison is an image held against a lock.
type Comparison struct {
	// Layers lists every layer of the image in order, with each locked layer the image no
	// longer has (Removed) where it stood.
	Layers []LayerClass `json:"layers"`
	// Config lists the config fields that changed, by field (the image ID is not one).
	Config []ConfigChange `json:"config"`
	// BaseLayers is the number of bottom layers held as the base (0: unknown).
	BaseLayers int `json:"base_layers"`
	// Verdicts has, for each policy rule, one passing or skipped verdict, or one failed
	// verdict per failure.
	Verdicts []Verdict `json:"verdicts"`
	Warnings []string  `json:"warnings"`
}

// Failed reports whether any verdict failed.
func (c *Comparison) Failed() bool {
	for _, v := range c.Verdicts {
		if v.Failed {
			return true
		}
	}
	return false
}

// LayerClass is one layer's class and what made it so.
type LayerClass struct {
	Class     Class  `json:"class"`
	Layer     int    `json:"layer"`      // index in the image; -1 for Removed
	LockLayer int    `json:"lock_layer"` // index in the lock; -1 for Added
	Base      bool   `json:"base"`       // one of the base layers
	CreatedBy string `json:"created_by"` // the image's (the lock's for Removed)
	DiffID    string `json:"diff_id"`
	// The lock's values (zero for Added).
	LockCreatedBy string `json:"lock_created_by"`
	LockDiffID    string `json:"lock_diff_id"`
	Size          int64  `json:"size"`
	LockSize      int64  `json:"lock_size"`
	Files         int    `json:"files"`
	LockFiles     int    `json:"lock_files"`
	Delta         int64  `json:"delta"` // Size - LockSize
	// Percent is Delta in percent of LockSize; null when LockSize is 0.
	Percent *float64 `json:"percent"`
	// Causes are the files and directories that explain a size change, largest change
	// first, as far as the lock's lists of largest files and directories tell.
	Causes []Cause `json:"causes"`
}

// Cause is a file or directory whose size changed in a layer.
type Cause struct {
	Path string `json:"path"`
	Dir  bool   `json:"dir"`
	// Change is "added" (not among the lock's largest of the layer: new, or grown past the
	// smallest the lock lists), "removed" (listed by the lock, gone), "grown" or "shrunk".
	Change string `json:"change"`
	Size   int64  `json:"size"`  // bytes now (a directory's: below it, in this layer)
	Delta  int64  `json:"delta"` // bytes more (or fewer) than the lock's
}

// Verdict is one rule's outcome: a pass, a skip, or one failure, in one line (Message).
type Verdict struct {
	Rule      string   `json:"rule"` // baseline.base, baseline.added_layers, …
	Failed    bool     `json:"failed"`
	Skipped   bool     `json:"skipped"` // the rule could not be evaluated (Message says why)
	Layer     int      `json:"layer"`   // the image layer at fault; -1 when none (or Removed: see Message)
	CreatedBy string   `json:"created_by"`
	Message   string   `json:"message"`
	Paths     []string `json:"paths"` // the files that caused it
}

// The policy rules, in the order Compare reports them.
const (
	RuleBase            = "baseline.base"
	RuleAddedLayers     = "baseline.added_layers"
	RuleRemovedLayers   = "baseline.removed_layers"
	RuleLayerGrowth     = "baseline.layer_growth"
	RuleSetuid          = "baseline.setuid"
	RuleSensitiveHidden = "baseline.sensitive_hidden"
	RulePorts           = "baseline.exposed_ports"
	RuleUser            = "baseline.user"
)

// Compare holds img (merged filesystem fs) against lk under policy p. It reads contents
// only of layers whose diff_id the lock does not have and whose size and file count equal
// a locked layer's they may be a rebuild of (for their fingerprint); a streamed input must
// have been opened with load.Options{HashFiles: ContentHash}.
func Compare(lk *Lock, img *image.Image, fs *fstree.FS, p Policy) (*Comparison, error) {
	c := &Comparison{Layers: []LayerClass{}, Config: []ConfigChange{}, Verdicts: []Verdict{}, Warnings: []string{}}
	c.Warnings = append(c.Warnings, identityWarnings(lk, img)...)
	pairs, fps, err := align(lk, img)
	if err != nil {
		return nil, err
	}
	base := lk.Base.Layers
	if p.BaseLayers != nil {
		base = *p.BaseLayers
		if base < 0 || base > len(lk.Layers) {
			return nil, fmt.Errorf("baseline.base_layers is %d, but the lock has %s", base, units.Count(len(lk.Layers), "layer"))
		}
	}
	c.BaseLayers = base
	for _, pr := range pairs {
		c.Layers = append(c.Layers, classify(lk, img, pr, fps, base))
	}
	c.Config = compareConfig(lk.Config, configOf(img))
	c.Verdicts = append(c.Verdicts, baseVerdicts(c, lk, img, p)...)
	c.Verdicts = append(c.Verdicts, layerVerdicts(c, p)...)
	c.Verdicts = append(c.Verdicts, findingVerdicts(lk, img, fs, p)...)
	c.Verdicts = append(c.Verdicts, configVerdicts(c, lk, img, p)...)
	return c, nil
}

// identityWarnings says when the lock was made for another image or platform.
func identityWarnings(lk *Lock, img *image.Image) []string {
	var out []string
	lockRepos, imgRepos := repos(lk.Image.RepoTags), repos(img.RepoTags)
	if len(lockRepos) > 0 && len(imgRepos) > 0 {
		shared := false
		for r := range imgRepos {
			shared = shared || lockRepos[r]
		}
		if !shared {
			out = append(out, fmt.Sprintf("the lock was made for %s, the image is %s",
				escape.String(strings.Join(lk.Image.RepoTags, ", ")), escape.String(strings.Join(img.RepoTags, ", "))))
		}
	}
	if pl := platform(img); lk.Image.Platform != "" && pl != "" && pl != lk.Image.Platform {
		out = append(out, fmt.Sprintf("the lock was made for platform %s, the image is %s", escape.String(lk.Image.Platform), pl))
	}
	return out
}

// repos maps references to their repository names (the tag or digest cut off).
func repos(tags []string) map[string]bool {
	out := map[string]bool{}
	for _, t := range tags {
		if i := strings.IndexByte(t, '@'); i >= 0 {
			t = t[:i]
		}
		if i := strings.LastIndexByte(t, ':'); i > strings.LastIndexByte(t, '/') {
			t = t[:i]
		}
		out[t] = true
	}
	return out
}

// pair is a locked layer and the image layer it became; -1 for none.
type pair struct{ lock, img int }

// align pairs locked and image layers, in order: first by diff_id (the longest common
// subsequence), then, between those, by fingerprint, then by created_by (COPY/ADD source
// hashes ignored), then by position. It returns the fingerprints it computed, by image
// layer ("" where not needed).
func align(lk *Lock, img *image.Image) ([]pair, []string, error) {
	n, m := len(lk.Layers), len(img.Layers)
	anchors := lcs(n, m, func(i int) string { return lk.Layers[i].DiffID }, func(j int) string { return img.Layers[j].DiffID })
	// Fingerprint the image layers between anchors that could be rebuilds of a locked layer
	// between the same anchors: the same size and file count.
	fps := make([]string, m)
	var need []*image.Layer
	var needAt []int
	forGaps(anchors, n, m, func(a, b, c, d int) {
		for j := c; j < d; j++ {
			l := img.Layers[j]
			for i := a; i < b; i++ {
				if lk.Layers[i].Size == l.Size() && lk.Layers[i].Files == l.Files() {
					need, needAt = append(need, l), append(needAt, j)
					break
				}
			}
		}
	})
	if len(need) > 0 {
		got, err := Fingerprints(need)
		if err != nil {
			return nil, nil, err
		}
		for k, j := range needAt {
			fps[j] = got[k]
		}
	}
	var matches [][2]int
	forGaps(anchors, n, m, func(a, b, c, d int) {
		byFP := lcs(b-a, d-c, func(i int) string { return lk.Layers[a+i].Fingerprint }, func(j int) string { return fps[c+j] })
		byFP = shift(byFP, a, c)
		matches = append(matches, byFP...)
		forGaps(byFP, b, d, func(a, b, c, d int) {
			if b <= a && d <= c {
				return
			}
			byCmd := lcs(b-a, d-c, func(i int) string { return cmdKey(lk.Layers[a+i].CreatedBy) }, func(j int) string { return cmdKey(img.Layers[c+j].CreatedBy()) })
			byCmd = shift(byCmd, a, c)
			matches = append(matches, byCmd...)
			forGaps(byCmd, b, d, func(a, b, c, d int) {
				for k := 0; a+k < b && c+k < d; k++ {
					matches = append(matches, [2]int{a + k, c + k})
				}
			}, a, c)
		}, a, c)
	}, 0, 0)
	matches = append(matches, anchors...)
	sort.Slice(matches, func(i, j int) bool { return matches[i][1] < matches[j][1] })
	// Emit in image order, each unmatched locked layer before the first image layer whose
	// match comes after it.
	var out []pair
	li := 0
	matchedLock := make([]int, n)
	for i := range matchedLock {
		matchedLock[i] = -1
	}
	imgMatch := make([]int, m)
	for j := range imgMatch {
		imgMatch[j] = -1
	}
	for _, mt := range matches {
		matchedLock[mt[0]], imgMatch[mt[1]] = mt[1], mt[0]
	}
	for j := 0; j < m; j++ {
		if i := imgMatch[j]; i >= 0 {
			for ; li < i; li++ {
				if matchedLock[li] < 0 {
					out = append(out, pair{li, -1})
				}
			}
			li = i + 1
			out = append(out, pair{i, j})
		} else {
			out = append(out, pair{-1, j})
		}
	}
	for ; li < n; li++ {
		if matchedLock[li] < 0 {
			out = append(out, pair{li, -1})
		}
	}
	return out, fps, nil
}

// forGaps calls fn for each stretch [a,b) of locked and [c,d) of image layers between
// consecutive matches (ascending, offsets within [a0,n) and [c0,m)), the stretch after the
// last match included; a0 and c0 are where the range starts.
func forGaps(matches [][2]int, n, m int, fn func(a, b, c, d int), start ...int) {
	a, c := 0, 0
	if len(start) == 2 {
		a, c = start[0], start[1]
	}
	for _, mt := range matches {
		if mt[0] > a || mt[1] > c {
			fn(a, mt[0], c, mt[1])
		}
		a, c = mt[0]+1, mt[1]+1
	}
	if a < n || c < m {
		fn(a, n, c, m)
	}
}

func shift(ms [][2]int, a, c int) [][2]int {
	for k := range ms {
		ms[k][0] += a
		ms[k][1] += c
	}
	return ms
}

// maxLCSCells bounds the dynamic-programming table of lcs; past it, lcs matches greedily.
const maxLCSCells = 1 << 22

// lcs returns the index pairs of a longest common subsequence of keys (keys "" never match),
// ascending.
func lcs(n, m int, lockKey, imgKey func(int) string) [][2]int {
	if n == 0 || m == 0 {
		return nil
	}
	if n*m > maxLCSCells {
		return greedy(n, m, lockKey, imgKey)
	}
	eq := func(i, j int) bool { k := lockKey(i); return k != "" && k == imgKey(j) }
	// t[i][j]: LCS length of lock[i:] and image[j:].
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case eq(i, j):
				t[i][j] = t[i+1][j+1] + 1
			case t[i+1][j] >= t[i][j+1]:
				t[i][j] = t[i+1][j]
			default:
				t[i][j] = t[i][j+1]
			}
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case eq(i, j):
			out = append(out, [2]int{i, j})
			i, j = i+1, j+1
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return out
}

// greedy matches each locked layer to the first later image layer with its key.
func greedy(n, m int, lockKey, imgKey func(int) string) [][2]int {
	at := map[string][]int{}
	for j := 0; j < m; j++ {
		if k := imgKey(j); k != "" {
			at[k] = append(at[k], j)
		}
	}
	var out [][2]int
	last := -1
	for i := 0; i < n; i++ {
		js := at[lockKey(i)]
		k := sort.SearchInts(js, last+1)
		if k < len(js) {
			last = js[k]
			out = append(out, [2]int{i, last})
		}
	}
	return out
}

// cmdKey is a created_by for matching: whitespace collapsed, the content hashes the legacy
// builder writes into COPY and ADD rows (file:<hex>, dir:<hex>) dropped.
func cmdKey(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		for _, p := range []string{"file:", "dir:", "multi:"} {
			if strings.HasPrefix(w, p) && len(w) == len(p)+64 {
				f[i] = p
			}
		}
	}
	return strings.Join(f, " ")
}

func classify(lk *Lock, img *image.Image, pr pair, fps []string, base int) LayerClass {
	lc := LayerClass{Layer: pr.img, LockLayer: pr.lock, Causes: []Cause{}}
	var locked *Layer
	if pr.lock >= 0 {
		locked = &lk.Layers[pr.lock]
		lc.LockCreatedBy, lc.LockDiffID, lc.LockSize, lc.LockFiles = locked.CreatedBy, locked.DiffID, locked.Size, locked.Files
		lc.Base = pr.lock < base
	}
	var l *image.Layer
	if pr.img >= 0 {
		l = img.Layers[pr.img]
		lc.CreatedBy, lc.DiffID, lc.Size, lc.Files = l.CreatedBy(), l.DiffID, l.Size(), l.Files()
	}
	lc.Delta = lc.Size - lc.LockSize
	if lc.LockSize > 0 {
		pc := float64(lc.Delta) * 100 / float64(lc.LockSize)
		lc.Percent = &pc
	}
	switch {
	case l == nil:
		lc.Class, lc.CreatedBy = Removed, locked.CreatedBy
		lc.Causes = removedCauses(locked)
	case locked == nil:
		lc.Class = Added
		lc.Causes = addedCauses(l)
	case l.DiffID != "" && l.DiffID == locked.DiffID:
		lc.Class = Unchanged
	case fps[pr.img] != "" && fps[pr.img] == locked.Fingerprint:
		lc.Class = Rebuilt
	default:
		switch {
		case lc.Delta > 0:
			lc.Class = Grown
		case lc.Delta < 0:
			lc.Class = Shrunk
		default:
			lc.Class = Changed
		}
		lc.Causes = causes(locked, l)
	}
	return lc
}

// causes compares a layer's files and directories with what the lock lists of its former
// self: the lock knows its largest files and directories only, so a file absent from the
// lock is reported only when it is larger than the smallest the lock lists (or the lock's
// list was not full, and so complete).
func causes(locked *Layer, l *image.Layer) []Cause {
	var out []Cause
	files := layerFiles(l)
	lockFiles := map[string]int64{}
	for _, f := range locked.TopFiles {
		lockFiles[f.Path] = f.Size
	}
	fileFloor := int64(-1) // files larger than this would be listed by the lock
	if len(locked.TopFiles) >= TopFiles {
		fileFloor = smallest(len(locked.TopFiles), func(i int) int64 { return locked.TopFiles[i].Size })
	}
	for p, size := range files {
		old, listed := lockFiles[p]
		switch {
		case listed && size != old:
			out = append(out, Cause{Path: p, Change: growth(size - old), Size: size, Delta: size - old})
		case !listed && size > 0 && size > fileFloor:
			out = append(out, Cause{Path: p, Change: "added", Size: size, Delta: size})
		}
	}
	for _, f := range locked.TopFiles {
		if _, ok := files[f.Path]; !ok {
			out = append(out, Cause{Path: f.Path, Change: "removed", Delta: -f.Size})
		}
	}
	dirs := dirTotals(files)
	lockDirs := map[string]bool{}
	for _, d := range locked.TopDirs {
		lockDirs[d.Path] = true
		now := int64(0)
		if s := dirs[d.Path]; s != nil {
			now = s.size
		}
		switch {
		case now == 0:
			out = append(out, Cause{Path: d.Path, Dir: true, Change: "removed", Delta: -d.Size})
		case now != d.Size:
			out = append(out, Cause{Path: d.Path, Dir: true, Change: growth(now - d.Size), Size: now, Delta: now - d.Size})
		}
	}
	dirFloor := int64(-1)
	if len(locked.TopDirs) >= TopDirs {
		dirFloor = smallest(len(locked.TopDirs), func(i int) int64 { return locked.TopDirs[i].Size })
	}
	for _, d := range heavyDirs(dirs, 2*TopDirs) {
		if !lockDirs[d.Path] && d.Size > dirFloor {
			out = append(out, Cause{Path: d.Path, Dir: true, Change: "added", Size: d.Size, Delta: d.Size})
		}
	}
	return rankCauses(out)
}

// smallest is the least of n sizes (a lock's lists are sorted, but a hand-edited one need
// not be).
func smallest(n int, size func(int) int64) int64 {
	m := size(0)
	for i := 1; i < n; i++ {
		m = min(m, size(i))
	}
	return m
}

func growth(delta int64) string {
	if delta > 0 {
		return "grown"
	}
	return "shrunk"
}

// maxCauses bounds the causes kept per layer.
const maxCauses = 20

func rankCauses(cs []Cause) []Cause {
	sort.Slice(cs, func(i, j int) bool {
		a, b := abs(cs[i].Delta), abs(cs[j].Delta)
		if a != b {
			return a > b
		}
		if cs[i].Dir != cs[j].Dir {
			return !cs[i].Dir
		}
		return cs[i].Path < cs[j].Path
	})
	if len(cs) > maxCauses {
		cs = cs[:maxCauses]
	}
	if cs == nil {
		cs = []Cause{}
	}
	return cs
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func addedCauses(l *image.Layer) []Cause {
	files, dirs := summary(l, TopFiles, TopDirs)
	var out []Cause
	for _, f := range files {
		out = append(out, Cause{Path: f.Path, Change: "added", Size: f.Size, Delta: f.Size})
	}
	for _, d := range dirs {
		out = append(out, Cause{Path: d.Path, Dir: true, Change: "added", Size: d.Size, Delta: d.Size})
	}
	return rankCauses(out)
}

func removedCauses(locked *Layer) []Cause {
	var out []Cause
	for _, f := range locked.TopFiles {
		out = append(out, Cause{Path: f.Path, Change: "removed", Delta: -f.Size})
	}
	for _, d := range locked.TopDirs {
		out = append(out, Cause{Path: d.Path, Dir: true, Change: "removed", Delta: -d.Size})
	}
	return rankCauses(out)
}

// compareConfig lists the fields whose values differ, by field.
func compareConfig(old, new map[string]any) []ConfigChange {
	names := map[string]bool{}
	for k := range old {
		names[k] = true
	}
	for k := range new {
		names[k] = true
	}
	out := []ConfigChange{}
	for k := range names {
		a, oka := old[k]
		b, okb := new[k]
		if oka == okb && reflect.DeepEqual(a, b) {
			continue
		}
		out = append(out, ConfigChange{Field: k, Old: a, New: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// percent formats a growth percentage: "+38%", "+2.5%", "-12%".
func percent(p float64) string {
	if math.Abs(p) >= 10 {
		return fmt.Sprintf("%+.0f%%", p)
	}
	return fmt.Sprintf("%+.1f%%", p)
}
