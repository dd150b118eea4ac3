package cli

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type strataDiff struct {
	Mode    string `json:"mode"`
	Changes []struct {
		Path    string   `json:"path"`
		Kind    string   `json:"kind"`
		Reasons []string `json:"reasons"`
		Entries int      `json:"entries"`
	} `json:"changes"`
	Config []struct {
		Field string `json:"field"`
		Old   any    `json:"old"`
		New   any    `json:"new"`
	} `json:"config"`
	BuildConfig []struct {
		Field string `json:"field"`
		Old   any    `json:"old"`
		New   any    `json:"new"`
	} `json:"build_config"`
	Layers *struct {
		Shared  int   `json:"shared"`
		OnlyOld []any `json:"only_old"`
		OnlyNew []any `json:"only_new"`
	} `json:"layers"`
	Runtime   []string `json:"runtime"`
	Flattened *struct {
		Layers     []any `json:"layers"`
		History    []any `json:"history"`
		ImportSize int64 `json:"import_size"`
		Volumes    []struct {
			Path string `json:"path"`
		} `json:"volumes"`
	} `json:"flattened"`
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := []string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

// TestExportDiffMatchesDocker: strata's changes for a container export against its image
// are exactly what `docker diff` printed for that container.
func TestExportDiffMatchesDocker(t *testing.T) {
	t.Parallel()
	d := filepath.Join("testdata", "docker")
	tests := []struct {
		image, ctr string
		stdin      bool
	}{
		{"kitchen", "ctr-basic", false},
		{"kitchen", "ctr-basic", true},
		{"kitchen", "ctr-volume", false},
		{"small", "ctr-noop", false},
	}
	for _, tt := range tests {
		t.Run(tt.ctr, func(t *testing.T) {
			exp := filepath.Join(d, tt.ctr+".export.tar")
			var stdin []byte
			if tt.stdin {
				stdin = readStdin(t, exp)
				exp = "-"
			}
			var got strataDiff
			strataJSON(t, &got, stdin, "diff", filepath.Join(d, tt.image+".tar"), exp)
			if got.Mode != "export" {
				t.Fatalf("mode = %q, want export", got.Mode)
			}
			lines := []string{}
			for _, c := range got.Changes {
				lines = append(lines, c.Kind+" "+c.Path)
			}
			sort.Strings(lines)
			if diff := cmp.Diff(readLines(t, filepath.Join(d, tt.ctr+".diff.txt")), lines); diff != "" {
				t.Errorf("changes (-docker diff +strata):\n%s", diff)
			}
			wantRuntime := []string{"/.dockerenv", "/dev", "/dev/console", "/dev/pts", "/dev/shm", "/etc/hostname", "/etc/hosts", "/etc/mtab", "/etc/resolv.conf", "/proc", "/sys"}
			if diff := cmp.Diff(wantRuntime, got.Runtime); diff != "" {
				t.Errorf("runtime (-want +got):\n%s", diff)
			}
			img := readDockerInspect(t, tt.image)
			if got.Flattened == nil || len(got.Flattened.Layers) != len(img.RootFS.Layers) {
				t.Errorf("flattened layers: got %+v, want %d", got.Flattened, len(img.RootFS.Layers))
			}
		})
	}
}

// TestImageDiffSmallToSmall2 checks the differences written by hand in
// testdata/docker/images/small2/EXPECTED.md (directories compare without mtime between
// images, so the recreated /srv/small/dir is not itself a change).
func TestImageDiffSmallToSmall2(t *testing.T) {
	t.Parallel()
	d := filepath.Join("testdata", "docker")
	for _, semantic := range []bool{false, true} {
		args := []string{"diff", filepath.Join(d, "small.tar"), filepath.Join(d, "small2.tar")}
		if semantic {
			args = append(args, "--semantic")
		}
		var got strataDiff
		strataJSON(t, &got, nil, args...)
		var lines []string
		for _, c := range got.Changes {
			lines = append(lines, c.Kind+" "+c.Path+" "+strings.Join(c.Reasons, ","))
		}
		want := []string{
			"D /srv/small/dir/a.txt ",
			"A /srv/small/dir/b.txt ",
			"C /srv/small/hello.txt mtime,content",
			"C /srv/small/link link,mtime",
			"C /srv/small/perm.txt mode",
		}
		if semantic {
			want[2], want[3] = "C /srv/small/hello.txt content", "C /srv/small/link link"
		}
		if diff := cmp.Diff(want, lines); diff != "" {
			t.Errorf("semantic=%v changes (-want +got):\n%s", semantic, diff)
		}
		var fields []string
		for _, c := range got.Config {
			if c.Field == "created" {
				fields = append(fields, c.Field) // differs with every build
				continue
			}
			fields = append(fields, c.Field+" "+str(c.Old)+" → "+str(c.New))
		}
		wantFields := []string{"env.SMALL_MODE one → two", "labels.org.example.flavor small → small2"}
		if !semantic {
			wantFields = append([]string{"created"}, wantFields...)
		}
		if diff := cmp.Diff(wantFields, fields); diff != "" {
			t.Errorf("semantic=%v config (-want +got):\n%s", semantic, diff)
		}
		// The build records, apart, as JSON values (strings and objects, never JSON text
		// in a string), with Docker's values (docker image inspect's Container,
		// ContainerConfig.Image and ContainerConfig.Hostname).
		var build []string
		for _, c := range got.BuildConfig {
			switch c.Field {
			case "id":
				build = append(build, c.Field)
			case "container_config":
				o, _ := c.Old.(map[string]any)
				n, _ := c.New.(map[string]any)
				build = append(build, fmt.Sprintf("container_config Hostname %q → %q", o["Hostname"], n["Hostname"]))
			default:
				build = append(build, c.Field+" "+str(c.Old)+" → "+str(c.New))
			}
		}
		var wantBuild []string
		if !semantic {
			wantBuild = []string{
				"config.Image sha256:94d65267f71be78a4aa513716d7a7f351e7b490462d92daeda9819f063b6b201 → sha256:21c0ba83c17470c81a0be6b49ad245b004a7117119d588af4674b1af6efe8096",
				"container a5dd858ae259c3605ec418644651d1f30cd648d77fa356b62616e195578f1ab5 → 3820afd13cdeabfaff6cda9402472d01dd74bbec37f0523691adc0edc773491c",
				`container_config Hostname "a5dd858ae259" → ""`,
				"id"}
		}
		if diff := cmp.Diff(wantBuild, build); diff != "" {
			t.Errorf("semantic=%v build_config (-want +got):\n%s", semantic, diff)
		}
		if got.Layers.Shared != 2 || len(got.Layers.OnlyOld) != 0 || len(got.Layers.OnlyNew) != 5 {
			t.Errorf("layers: shared %d, only old %d, only new %d; want 2, 0, 5", got.Layers.Shared, len(got.Layers.OnlyOld), len(got.Layers.OnlyNew))
		}
	}
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return "-"
	}
	return "?"
}
