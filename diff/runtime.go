package diff

import "path"

// Docker's init layer: every container gets these, whatever the image had there, and
// `docker diff` never reports them (it compares the writable layer with the init layer).
var dockerInitPaths = []string{
	"/.dockerenv", "/dev", "/dev/console", "/dev/pts", "/dev/shm",
	"/etc/hostname", "/etc/hosts", "/etc/mtab", "/etc/resolv.conf", "/proc", "/sys",
}

// podman's: libpod's initInodes (libpod/diff.go), the paths `podman diff` leaves out. podman
// has no init layer: what it creates for the container (mount points such as /etc/hosts, the
// /run/.containerenv marker) is in the container's own layer.
var podmanInitPaths = []string{
	"/dev", "/etc/hostname", "/etc/hosts", "/etc/mtab", "/etc/resolv.conf", "/proc",
	"/run", "/run/.containerenv", "/run/notify", "/run/podman-init", "/run/secrets", "/sys",
}

// Engines whose runtime entries strata knows.
const (
	EngineDocker = "docker"
	EnginePodman = "podman"
)

// runtime is the set of paths an engine provides for a container of an image.
type runtime struct {
	engine string
	paths  map[string]bool
	// created are the init paths the image lacks, which the engine created for the container.
	created []string
}

// runtimePaths returns the init paths of the engine that made the export (podman leaves
// /run/.containerenv in every container; anything else is taken for Docker) and the
// directories the engine must create to hold them because the image lacks them.
func runtimePaths(img, export *side) runtime {
	rt := runtime{engine: EngineDocker, paths: map[string]bool{}}
	list := dockerInitPaths
	if export.fs.Lookup("/run/.containerenv") != nil {
		if export.fs.Lookup("/.dockerenv") == nil {
			rt.engine, list = EnginePodman, podmanInitPaths
		}
	}
	for _, p := range list {
		rt.paths[p] = true
		if img.fs.Lookup(p) == nil {
			rt.created = append(rt.created, p)
		}
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if img.fs.Lookup(d) != nil {
				break
			}
			rt.paths[d] = true
		}
	}
	return rt
}

// podmanParents marks changed, as `podman diff` does, each image directory in which podman
// created a runtime entry the image lacks (/etc for /etc/hosts): podman writes those into the
// container's layer, so the directory changed there; Docker's init layer hides them.
func (w *walk) podmanParents() {
	if w.rt.engine != EnginePodman {
		return
	}
	for _, p := range w.rt.created {
		if w.n.fs.Lookup(p) == nil {
			continue
		}
		d := path.Dir(p)
		id, ok := w.shallow[d]
		if d == "/" || !ok || w.rt.paths[d] {
			continue
		}
		if c := &w.cands[id]; c.kind() == 'C' && !c.real() {
			w.setReasons(c, []string{"runtime"})
		}
	}
}
