package cli

import (
	"context"
	"io"

	"github.com/strata-dev/strata/internal/analysis"
	"github.com/strata-dev/strata/internal/render"
)

func init() { commands["containers"] = runContainers }

func runContainers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, c := newFlags("containers", "strata containers [flags] ROOT", stderr)
	c.about("List the containers of an engine's data root — a Docker root (/var/lib/docker: overlay2, vfs), a containerd root (/var/lib/containerd) or a containers-storage root (/var/lib/containers/storage: podman, buildah; overlay, vfs), told apart by its layout — with ID, name, image, state, creation time and writable-layer size, newest first. Read-only: nothing is mounted or written, no daemon is asked. Any IMAGE command then takes --container ID ROOT (or --image REF ROOT).",
		"strata containers /var/lib/docker",
		"strata containers -o json /mnt/disk/var/lib/containers/storage",
		"strata diff --container web /var/lib/docker",
		"strata files --container 3f2a /var/lib/docker /etc")
	args, err := parse(fs, c, args, 1)
	if err != nil {
		return err
	}
	rows, err := analysis.Containers(ctx, args[0], analysis.Options{Limits: c.loadLimits(), Warn: func(msg string) { c.warn("%s", msg) }})
	if err != nil {
		return err
	}
	if c.output == "json" {
		return render.JSONList(stdout, "containers", rows)
	}
	return render.Containers(stdout, rows, c.renderFor(stdout))
}
