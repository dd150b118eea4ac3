package baseline

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/strata-dev/strata/internal/fstree"
	"github.com/strata-dev/strata/internal/image"
	"github.com/strata-dev/strata/internal/load"
)

// The tests in this file hold images a real Docker engine built (testdata/baseline, made by
// its make-fixtures.sh) against the lock of strata-baseline/app:1. The expected classes
// and messages are worked out by hand from the Dockerfiles in testdata/baseline/app.

const fixtures = "../testdata/baseline/images.tar.zst"

func openFixture(t testing.TB, name string) (*image.Image, *fstree.FS) {
	t.Helper()
	img, err := load.Open(context.Background(), fixtures, nil, load.Options{Image: name, HashFiles: ContentHash})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img, fstree.Merge(img.Layers)
}

var (
	appLockOnce sync.Once
	appLock     *Lock
	appLockErr  error
)

func lockOfApp(t *testing.T) *Lock {
	t.Helper()
	appLockOnce.Do(func() {
		img, err := load.Open(context.Background(), fixtures, nil, load.Options{Image: "strata-baseline/app:1", HashFiles: ContentHash})
		if err != nil {
			appLockErr = err
			return
		}
		defer img.Close()
		appLock, appLockErr = Of(img, fstree.Merge(img.Layers))
	})
	if appLockErr != nil {
		t.Fatal(appLockErr)
	}
	return appLock
}

// got is what a test compares: the classes with their image and lock layer, and the
// failed verdicts' messages.
type classRow struct {
	Class       Class
	Layer, Lock int
}

func rows(c *Comparison) []classRow {
	var out []classRow
	for _, lc := range c.Layers {
		out = append(out, classRow{lc.Class, lc.Layer, lc.LockLayer})
	}
	return out
}

func failures(c *Comparison) []string {
	var out []string
	for _, v := range c.Verdicts {
		if v.Failed {
			out = append(out, v.Rule+": "+v.Message)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestDockerPairs(t *testing.T) {
	// app:1's layers: 0 the imported base, 1 RUN mkdir … seq 1 900 > /app/lib/data.txt
	// (3,492 + 6 bytes), 2 COPY config.txt, 3 RUN printf … > /app/tool.
	const dataCmd = "RUN mkdir -p /app/lib && seq 1 ${N} > /app/lib/data.txt && printf 'app …"
	tests := []struct {
		name     string
		image    string
		policy   Policy
		classes  []classRow
		fails    []string
		config   []string // changed config fields
		warnings []string
	}{
		{
			name: "itself", image: "strata-baseline/app:1",
			classes: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Unchanged, 2, 2}, {Unchanged, 3, 3}},
		},
		{
			// --no-cache seconds later: new mtimes, so new diff_ids (make-fixtures.sh checks),
			// the same files and contents.
			name: "timestamp-only rebuild", image: "strata-baseline/app:rebuild",
			classes: []classRow{{Unchanged, 0, 0}, {Rebuilt, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			config:  []string{"created"},
		},
		{
			// seq 1 9000 is 43,893 bytes (9×2 + 90×3 + 900×4 + 8,001×5), 40,401 more than
			// seq 1 900's 3,492: +1155% of the layer's 3,498. The layers above are rebuilt.
			name: "one layer grown", image: "strata-baseline/app:grown",
			classes: []classRow{{Unchanged, 0, 0}, {Grown, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			fails: []string{
				"baseline.layer_growth: layer 1 " + dataCmd + " grew 40.4kB (+1155%, limit 10%): /app/lib/data.txt (+40.4kB)",
			},
			config: []string{"created"},
		},
		{
			name: "grown, growth limit off", image: "strata-baseline/app:grown", policy: Policy{MaxLayerGrowth: ptr(Off)},
			classes: []classRow{{Unchanged, 0, 0}, {Grown, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			config:  []string{"created"},
		},
		{
			name: "grown within a 2000% limit", image: "strata-baseline/app:grown", policy: Policy{MaxLayerGrowth: ptr(Percent(2000))},
			classes: []classRow{{Unchanged, 0, 0}, {Grown, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			config:  []string{"created"},
		},
		{
			// A RUN inserted after the data layer (cached: app's own): the COPY and RUN above
			// it are rebuilt on a new parent with the same contents, and still matched.
			name: "a layer added in the middle", image: "strata-baseline/app:added",
			classes: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Added, 2, -1}, {Rebuilt, 3, 2}, {Rebuilt, 4, 3}},
			fails: []string{
				`baseline.added_layers: layer 2 RUN printf "extra\n" > /app/extra.txt && seq 1 200 > /app/lib/more.txt added (698B, 4 entries): +/app/lib/more.txt (692B), +/app/extra.txt (6B)`,
			},
			config: []string{"created"},
		},
		{
			name: "added, allowed", image: "strata-baseline/app:added", policy: Policy{AllowAddedLayers: true},
			classes: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Added, 2, -1}, {Rebuilt, 3, 2}, {Rebuilt, 4, 3}},
			config:  []string{"created"},
		},
		{
			// ENV, EXPOSE and USER only: every layer is app's.
			name: "config change", image: "strata-baseline/app:config",
			classes: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Unchanged, 2, 2}, {Unchanged, 3, 3}},
			fails: []string{
				"baseline.exposed_ports: new exposed port(s) 8080/tcp (EXPOSE 8080/tcp)",
				`baseline.user: user changed: "app" → "root"`,
			},
			config: []string{"created", "env.APP_MODE", "exposed_ports.8080/tcp", "user"},
		},
		{
			name: "config change, allowed", image: "strata-baseline/app:config", policy: Policy{AllowNewPorts: true, AllowUserChange: true},
			classes: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Unchanged, 2, 2}, {Unchanged, 3, 3}},
			config:  []string{"created", "env.APP_MODE", "exposed_ports.8080/tcp", "user"},
		},
		{
			// chmod 4755 /app/tool, then a key written in one layer and deleted in the next.
			name: "setuid and a hidden key", image: "strata-baseline/app:risky",
			classes: []classRow{{Unchanged, 0, 0}, {Unchanged, 1, 1}, {Unchanged, 2, 2}, {Unchanged, 3, 3}, {Added, 4, -1}, {Added, 5, -1}, {Added, 6, -1}},
			fails: []string{
				"baseline.added_layers: layer 4 RUN chmod 4755 /app/tool added (20B, 2 entries): +/app/tool (20B)",
				"baseline.added_layers: layer 5 RUN printf 'not a real key\\n' > /app/id_rsa added (15B, 2 entries): +/app/id_rsa (15B)",
				"baseline.added_layers: layer 6 RUN rm /app/id_rsa added (0B, 1 entry)",
				"baseline.setuid: layer 4 RUN chmod 4755 /app/tool adds setuid/setgid /app/tool (4755)",
				"baseline.sensitive_hidden: layer 5 RUN printf 'not a real key\\n' > /app/id_rsa ships /app/id_rsa (hidden by layer 6): deleted later, still in the image",
			},
			config: []string{"created"},
		},
		{
			// base:2 differs from base:1 in /etc/os-release's VERSION_ID only (same size);
			// the app layers rebuilt on it have app's contents.
			name: "base image bumped", image: "strata-baseline/app:rebased",
			classes: []classRow{{Changed, 0, 0}, {Rebuilt, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			fails: []string{
				"baseline.base: base layer 0 changed: f479a0d03669 → 1d6bd89b444c, same size",
				"baseline.base: base image changed: strata-baseline/base:1 → strata-baseline/base:2 (org.opencontainers.image.base.name)",
			},
			config: []string{"created", "labels.org.opencontainers.image.base.name"},
		},
		{
			name: "base bumped, allowed", image: "strata-baseline/app:rebased", policy: Policy{AllowBaseChange: true},
			classes: []classRow{{Changed, 0, 0}, {Rebuilt, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			config:  []string{"created", "labels.org.opencontainers.image.base.name"},
		},
		{
			// base_layers: 0 in the policy: no base; the changed layer 0 is then only a change.
			name: "base bumped, no base layers", image: "strata-baseline/app:rebased", policy: Policy{BaseLayers: ptr(0)},
			classes: []classRow{{Changed, 0, 0}, {Rebuilt, 1, 1}, {Rebuilt, 2, 2}, {Rebuilt, 3, 3}},
			fails: []string{
				"baseline.base: base image changed: strata-baseline/base:1 → strata-baseline/base:2 (org.opencontainers.image.base.name)",
			},
			config: []string{"created", "labels.org.opencontainers.image.base.name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lk := lockOfApp(t)
			img, fs := openFixture(t, tt.image)
			c, err := Compare(lk, img, fs, tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.classes, rows(c)); diff != "" {
				t.Errorf("classes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.fails, failures(c)); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			var fields []string
			for _, ch := range c.Config {
				fields = append(fields, ch.Field)
			}
			if diff := cmp.Diff(tt.config, fields); diff != "" {
				t.Errorf("config changes (-want +got):\n%s", diff)
			}
			if c.Failed() != (len(tt.fails) > 0) {
				t.Errorf("Failed() = %v", c.Failed())
			}
			if diff := cmp.Diff(tt.warnings, c.Warnings, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDockerDiffIDs: the fixtures are what Docker says they are (docker image inspect's
// RootFS.Layers), so the classes above rest on the engine's diff_ids.
func TestDockerDiffIDs(t *testing.T) {
	for _, tag := range []string{"1", "rebuild", "grown", "added", "config", "risky", "rebased"} {
		raw, err := os.ReadFile("../testdata/baseline/app-" + tag + ".inspect.json")
		if err != nil {
			t.Fatal(err)
		}
		var inspect []struct{ RootFS struct{ Layers []string } }
		if err := json.Unmarshal(raw, &inspect); err != nil || len(inspect) != 1 {
			t.Fatalf("app-%s.inspect.json: %v", tag, err)
		}
		img, _ := openFixture(t, "strata-baseline/app:"+tag)
		var got []string
		for _, l := range img.Layers {
			got = append(got, l.DiffID)
		}
		if diff := cmp.Diff(inspect[0].RootFS.Layers, got); diff != "" {
			t.Errorf("app:%s diff_ids (-docker +strata):\n%s", tag, diff)
		}
	}
}
