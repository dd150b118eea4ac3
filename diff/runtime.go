package diff

import "path"

// Docker's init layer: every container gets these, whatever the image had there, and
// `docker diff` never reports them (it compares the writable layer with the init layer).
var initPaths = []string{
	"/.dockerenv", "/dev", "/dev/console", "/dev/pts", "/dev/shm",
	"/etc/hostname", "/etc/hosts", "/etc/mtab", "/etc/resolv.conf", "/proc", "/sys",
}

// runtime is the set of paths Docker's init layer provides for a container of an image.
type runtime map[string]bool

// runtimePaths returns the init paths and the directories the init layer must create to
// hold them because the image lacks them.
func runtimePaths(img *side) runtime {
	rt := runtime{}
	for _, p := range initPaths {
		rt[p] = true
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if _, ok := img.index[d]; ok {
				break
			}
			rt[d] = true
		}
	}
	return rt
}
