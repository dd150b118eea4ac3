package image

// Container is a container as an engine's data root records it: its metadata, and how its
// layers sit in Image.Layers (the image's first, then the engine's init layer, if any, then
// the writable layer, always last).
type Container struct {
	ID      string `json:"id"`
	Name    string `json:"name"`     // without Docker's leading "/"; "" when the engine records none
	Image   string `json:"image"`    // the reference it was created from, as the engine records it
	ImageID string `json:"image_id"` // sha256:<config digest>, or "" when unknown
	State   string `json:"state"`    // as the engine's metadata says (created, running, exited, …); "" when the root does not record it
	Created Time   `json:"created"`  // null when the engine records none
	Engine  string `json:"engine"`   // docker, podman (containers-storage), containerd
	Driver  string `json:"driver"`   // overlay2, vfs, overlay, overlayfs
	// SizeRw is the writable layer's size as the engine counts it (docker ps -s, podman ps
	// --size): the bytes of its non-directories, hardlinks once; -1 when not computed.
	SizeRw int64 `json:"size_rw"`
	// ImageLayers is how many of Image.Layers are the image's; InitLayer says whether the
	// next one is the engine's init layer (Docker's <id>-init).
	ImageLayers int  `json:"image_layers"`
	InitLayer   bool `json:"init_layer"`
	// Changes is the rule the engine's own diff follows (see ChangeRule).
	Changes ChangeRule `json:"changes"`
}

// ChangeRule is how an engine computes a container's changes (docker diff, podman diff, ctr
// snapshots diff), which strata follows to give the same answer.
type ChangeRule string

const (
	// ChangesNaive compares the container's tree with its parent's, path by path, by stat
	// (mode, owner, device, and for non-directories size and mtime): moby's and
	// containers/storage's ChangesDirs. Docker uses it for every driver; containers/storage
	// for vfs.
	ChangesNaive ChangeRule = "naive"
	// ChangesOverlay walks the writable layer's upper directory and looks each path up in
	// the lower layers: containers/storage's OverlayChanges (podman on overlay).
	ChangesOverlay ChangeRule = "overlay"
	// ChangesContinuity compares the two trees as containerd's walking differ does
	// (continuity's double walk; content compared when both mtimes lack nanoseconds).
	ChangesContinuity ChangeRule = "continuity"
)

// Writable is the container's writable layer.
func (img *Image) Writable() *Layer {
	if img.Container == nil || len(img.Layers) == 0 {
		return nil
	}
	return img.Layers[len(img.Layers)-1]
}
