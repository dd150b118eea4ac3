//go:build linux

package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/strata-dev/strata/internal/testgen"
)

// freshRoot unpacks a captured root into a directory of the test's own, to be damaged.
func freshRoot(t *testing.T, name string) string {
	t.Helper()
	unpackRoot(t, name) // skips when not root
	dir := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	if err := testgen.UnpackRoot(filepath.Join("testdata", "dataroot", name+".root.tar.zst"), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// dockerLayer returns the directory of a Docker root's image layer n (by the image's config).
func dockerLayer(t *testing.T, root, driver string, n int) (dir, layerdb string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "dataroot", "docker-"+driver+".images.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ins []struct{ RootFS struct{ Layers []string } }
	json.Unmarshal(b, &ins)
	layers := ins[len(ins)-1].RootFS.Layers // h22/app:1
	chain := layers[0]
	for _, l := range layers[1 : n+1] {
		out, _ := exec.Command("sh", "-c", "printf '%s %s' "+chain+" "+l+" | sha256sum").Output()
		chain = "sha256:" + strings.Fields(string(out))[0]
	}
	layerdb = filepath.Join(root, "image", driver, "layerdb", "sha256", strings.TrimPrefix(chain, "sha256:"))
	cache, err := os.ReadFile(filepath.Join(layerdb, "cache-id"))
	if err != nil {
		t.Fatal(err)
	}
	if driver == "vfs" {
		return filepath.Join(root, "vfs", "dir", string(cache)), layerdb
	}
	return filepath.Join(root, "overlay2", string(cache), "diff"), layerdb
}

// dockerUpper returns a Docker overlay2 container's upper directory.
func dockerUpper(t *testing.T, root, name string) string {
	t.Helper()
	ms, _ := filepath.Glob(filepath.Join(root, "containers", "*", "config.v2.json"))
	for _, m := range ms {
		b, _ := os.ReadFile(m)
		var c struct{ ID, Name string }
		json.Unmarshal(b, &c)
		if c.Name == "/"+name {
			mid, err := os.ReadFile(filepath.Join(root, "image", "overlay2", "layerdb", "mounts", c.ID, "mount-id"))
			if err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "overlay2", string(mid), "diff")
		}
	}
	t.Fatalf("no container %s", name)
	return ""
}

func wantFail(t *testing.T, args []string, msg string) {
	t.Helper()
	out, stderr, code := strata(t, args...)
	if code != 2 || out != "" || !strings.Contains(stderr, msg) {
		t.Errorf("strata %s: exit %d, stdout %q, stderr %q; want exit 2, no stdout, an error saying %q", strings.Join(args, " "), code, out, stderr, msg)
	}
}

// TestDataRootHostile: a damaged or hostile root is exit 2 with one line naming what is wrong,
// never a wrong answer, a hang, or a read outside the root.
func TestDataRootHostile(t *testing.T) {
	t.Run("layer directory is a symlink out of the root", func(t *testing.T) {
		root := freshRoot(t, "docker-overlay2")
		dir, _ := dockerLayer(t, root, "overlay2", 0)
		os.RemoveAll(dir)
		os.Symlink("/", dir)
		wantFail(t, []string{"inspect", "--image", "h22/app:1", root}, "symbolic link, not a directory: not followed")
	})
	t.Run("metadata file is a symlink out of the root", func(t *testing.T) {
		root := freshRoot(t, "docker-overlay2")
		p := filepath.Join(root, "image", "overlay2", "repositories.json")
		os.Remove(p)
		os.Symlink("/etc/passwd", p)
		wantFail(t, []string{"images", root}, "repositories.json is a symbolic link out of the data root (or an absolute one): not followed")
	})
	t.Run("cache-id climbs out", func(t *testing.T) {
		root := freshRoot(t, "docker-overlay2")
		_, ldb := dockerLayer(t, root, "overlay2", 1)
		os.WriteFile(filepath.Join(ldb, "cache-id"), []byte("../../../../etc"), 0o644)
		wantFail(t, []string{"inspect", "--image", "h22/app:1", root}, "not a layer ID")
	})
	t.Run("a FIFO where config.v2.json should be", func(t *testing.T) {
		root := freshRoot(t, "docker-vfs")
		ms, _ := filepath.Glob(filepath.Join(root, "containers", "*", "config.v2.json"))
		os.Remove(ms[0])
		if err := unix.Mkfifo(ms[0], 0o644); err != nil {
			t.Fatal(err)
		}
		wantFail(t, []string{"containers", root}, "config.v2.json is a FIFO, not a regular file")
	})
	t.Run("metadata over the json limit", func(t *testing.T) {
		root := freshRoot(t, "docker-vfs")
		wantFail(t, []string{"containers", "--limit", "json=100", root}, "more than 100 allowed for a metadata file")
	})
	t.Run("layerdb diff disagrees with the config", func(t *testing.T) {
		root := freshRoot(t, "docker-vfs")
		_, ldb := dockerLayer(t, root, "vfs", 2)
		os.WriteFile(filepath.Join(ldb, "diff"), []byte("sha256:"+strings.Repeat("0", 64)), 0o644)
		wantFail(t, []string{"inspect", "--image", "h22/app:1", root}, "corrupt: layer 2: the layer store says diff_id sha256:000")
	})
	t.Run("a layer file changed in place: --verify", func(t *testing.T) {
		root := freshRoot(t, "docker-overlay2")
		dir, _ := dockerLayer(t, root, "overlay2", 1)
		if err := os.WriteFile(filepath.Join(dir, "app", "conf", "app.conf"), []byte("v9\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, stderr, code := strata(t, "inspect", "--image", "h22/app:1", root); code != 0 {
			t.Fatalf("inspect without --verify reads headers only: exit %d: %s", code, stderr)
		}
		wantFail(t, []string{"inspect", "--verify", "--image", "h22/app:1", root}, "app/conf/app.conf does not have the CRC-64 the tar-split records")
	})
	t.Run("a layer directory gone", func(t *testing.T) {
		root := freshRoot(t, "podman-vfs")
		ls, _ := filepath.Glob(filepath.Join(root, "vfs", "dir", "*"))
		for _, l := range ls {
			os.RemoveAll(l)
		}
		wantFail(t, []string{"diff", "--container", "edit", root}, "missing")
	})
	t.Run("a renamed directory (overlay redirect) is refused", func(t *testing.T) {
		root := freshRoot(t, "docker-overlay2")
		up := dockerUpper(t, root, "rename")
		if err := unix.Lsetxattr(filepath.Join(up, "srv", "moved"), "trusted.overlay.redirect", []byte("/srv/data"), 0); err != nil {
			t.Fatal(err)
		}
		wantFail(t, []string{"diff", "--container", "rename", root}, "entry /srv/moved: unsupported overlay feature: a renamed directory (overlay redirect to \"/srv/data\")")
	})
	t.Run("a metadata-only copy-up is refused", func(t *testing.T) {
		root := freshRoot(t, "docker-overlay2")
		up := dockerUpper(t, root, "edit")
		if err := unix.Lsetxattr(filepath.Join(up, "app", "new.txt"), "trusted.overlay.metacopy", nil, 0); err != nil {
			t.Fatal(err)
		}
		wantFail(t, []string{"files", "--container", "edit", root}, "entry /app/new.txt: unsupported overlay feature: a metadata-only copy-up")
	})
	t.Run("a bbolt database that is not one", func(t *testing.T) {
		root := freshRoot(t, "containerd-overlayfs")
		os.WriteFile(filepath.Join(root, "io.containerd.metadata.v1.bolt", "meta.db"), []byte(strings.Repeat("x", 8192)), 0o644)
		wantFail(t, []string{"containers", root}, "corrupt")
	})
	t.Run("an ambiguous container prefix", func(t *testing.T) {
		root := freshRoot(t, "containerd-overlayfs")
		_, stderr, code := strata(t, "diff", "--container", "r", root) // recreate, rename
		if code != 2 || !strings.Contains(stderr, "ambiguous: 2 containers' IDs start with \"r\"") || !strings.Contains(stderr, "hint: give more of the ID: recreate recreate; rename rename") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

// TestDataRootUserXattrs: overlay under a user namespace marks opaque directories with
// user.overlay.opaque; the same root with its trusted.overlay.* xattrs renamed so gives the
// same diff.
func TestDataRootUserXattrs(t *testing.T) {
	root := freshRoot(t, "podman-overlay")
	moved := 0
	filepath.Walk(filepath.Join(root, "overlay"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.IsDir() {
			return err
		}
		if v, err := getxattr(p, "trusted.overlay.opaque"); err == nil {
			unix.Lremovexattr(p, "trusted.overlay.opaque")
			if err := unix.Lsetxattr(p, "user.overlay.opaque", v, 0); err != nil {
				t.Fatal(err)
			}
			moved++
		}
		return nil
	})
	if moved == 0 {
		t.Fatal("the podman overlay root has no opaque directory")
	}
	out, stderr, _ := strata(t, "diff", "-q", "--container", "recreate", root)
	if d := cmp.Diff(rootLines(t, filepath.Join("testdata", "dataroot", "podman-overlay.recreate.diff.txt")), sortedLines(out)); d != "" {
		t.Errorf("with user.overlay.opaque (-podman diff +strata):\n%s\n%s", d, stderr)
	}
}

func getxattr(p, name string) ([]byte, error) {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// TestDataRootKernelRedirect: a directory the kernel itself renamed with redirect_dir=on (a
// real trusted.overlay.redirect, made here by mounting overlayfs) is refused by name. Skipped
// where overlayfs cannot be mounted.
func TestDataRootKernelRedirect(t *testing.T) {
	root := freshRoot(t, "docker-overlay2")
	up := dockerUpper(t, root, "noop")
	lower, _ := dockerLayer(t, root, "overlay2", 0)
	work := filepath.Join(t.TempDir(), "work")
	merged := filepath.Join(t.TempDir(), "merged")
	os.MkdirAll(work, 0o700)
	os.MkdirAll(merged, 0o700)
	opts := "lowerdir=" + lower + ",upperdir=" + up + ",workdir=" + work + ",redirect_dir=on"
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Skipf("cannot mount overlayfs with redirect_dir=on here: %v", err)
	}
	err := os.Rename(filepath.Join(merged, "srv", "data"), filepath.Join(merged, "srv", "renamed"))
	unix.Unmount(merged, 0)
	if err != nil {
		t.Skipf("the kernel does not rename a lower directory: %v", err)
	}
	if _, err := getxattr(filepath.Join(up, "srv", "renamed"), "trusted.overlay.redirect"); err != nil {
		t.Skipf("the kernel wrote no redirect: %v", err)
	}
	wantFail(t, []string{"diff", "--container", "noop", root}, "entry /srv/renamed: unsupported overlay feature: a renamed directory")
}

var _ = syscall.O_RDONLY

// TestDataRootLocked: containerd holds its meta.db locked as long as it runs; strata then
// reads a private copy, says so, and answers the same.
func TestDataRootLocked(t *testing.T) {
	root := unpackRoot(t, "containerd-overlayfs")
	want, _, _ := strata(t, "containers", root)
	f, err := os.Open(filepath.Join(root, "io.containerd.metadata.v1.bolt", "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	defer unix.Flock(int(f.Fd()), unix.LOCK_UN)
	got, stderr, code := strata(t, "containers", root)
	if code != 0 || got != want {
		t.Errorf("exit %d; stdout (-unlocked +locked):\n%s", code, cmp.Diff(want, got))
	}
	if !strings.Contains(stderr, "strata: warning: io.containerd.metadata.v1.bolt/meta.db is locked by a running engine: reading a copy of it taken now") {
		t.Errorf("stderr: %q", stderr)
	}
}
