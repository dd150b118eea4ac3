package testgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Registry misbehaviours (issue 18): what a hostile or broken registry does to a client.
const (
	RegistryGood         = "good"          // serves the image
	RegistryRedirectLoop = "redirect-loop" // every manifest and blob GET is a 302 to itself
	RegistryStall        = "stall-headers" // the manifest request is never answered
	RegistryTrickleMan   = "trickle-manifest"
	RegistryTrickleBlob  = "trickle-blob"  // headers at once, then one byte per tick
	RegistryStallBlob    = "stall-blob"    // headers and 1 KiB of the layer, then nothing
	RegistryEndlessBlob  = "endless-blob"  // a layer declared 1 TiB, sent 64 KiB a tick, never ending
	RegistryBusy         = "busy-manifest" // the manifest request is answered 503, Retry-After 0, after a tick
)

// RegistryModes lists the modes HostileRegistry takes.
var RegistryModes = []string{RegistryGood, RegistryRedirectLoop, RegistryStall, RegistryTrickleMan,
	RegistryTrickleBlob, RegistryStallBlob, RegistryEndlessBlob, RegistryBusy}

// RegistryRepo is the repository and tag HostileRegistry serves its image as.
const RegistryRepo = "hostile/app:1"

// HostileRegistry is a registry (Docker Registry HTTP API v2, no authentication) serving one
// small image of two layers as RegistryRepo, misbehaving as mode says; tick paces the trickles and
// stalls. A stalled or trickling answer ends when the client goes away.
type HostileRegistry struct {
	// Patience, when set, ends every stall and trickle after that long (the connection is
	// closed), so that a client that does not bound its waiting fails a test instead of
	// hanging it.
	Patience time.Duration

	mode     string
	tick     time.Duration
	manifest []byte
	blobs    map[string][]byte // by digest
	layer    string            // the top layer's digest (the one that misbehaves)
	base     string            // the base layer's
}

// NewHostileRegistry builds the image and the handler.
func NewHostileRegistry(mode string, tick time.Duration) (*HostileRegistry, error) {
	known := false
	for _, m := range RegistryModes {
		known = known || m == mode
	}
	if !known {
		return nil, fmt.Errorf("unknown registry mode %q (want one of %s)", mode, strings.Join(RegistryModes, ", "))
	}
	var base, layer bytes.Buffer
	if err := WriteLayerTar(&base, []Entry{Dir("etc/"), File("etc/motd", "hello from a hostile registry\n")}); err != nil {
		return nil, err
	}
	if err := WriteLayerTar(&layer, []Entry{Dir("etc/"), File("etc/issue", "hostile 1\n")}); err != nil {
		return nil, err
	}
	bd, ld := digest(base.Bytes()), digest(layer.Bytes())
	cfg := []byte(`{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["` + bd + `","` + ld + `"]},"history":[{"created_by":"base"},{"created_by":"hostile"}]}`)
	r := &HostileRegistry{mode: mode, tick: tick, blobs: map[string][]byte{bd: base.Bytes(), ld: layer.Bytes(), digest(cfg): cfg}, layer: ld, base: bd}
	size := int64(layer.Len())
	if mode == RegistryEndlessBlob {
		size = 1 << 40
	}
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.docker.distribution.manifest.v2+json",
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "digest": digest(cfg), "size": len(cfg)},
		"layers": []any{
			map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "digest": bd, "size": base.Len()},
			map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "digest": ld, "size": size},
		},
	}
	var err error
	r.manifest, err = json.Marshal(m)
	return r, err
}

// LayerDigest is the digest of the image's top layer, the one a misbehaving blob mode
// serves badly; BaseDigest the base layer's.
func (r *HostileRegistry) LayerDigest() string { return r.layer }

// BaseDigest is the digest of the image's base layer.
func (r *HostileRegistry) BaseDigest() string { return r.base }

func (r *HostileRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p := req.URL.Path
	if p == "/v2/" || p == "/v2" {
		w.WriteHeader(http.StatusOK)
		return
	}
	repo, tag, _ := strings.Cut(RegistryRepo, ":")
	isManifest := p == "/v2/"+repo+"/manifests/"+tag || strings.HasPrefix(p, "/v2/"+repo+"/manifests/sha256:")
	blob, isBlob := strings.CutPrefix(p, "/v2/"+repo+"/blobs/")
	if !isManifest && !isBlob {
		http.Error(w, `{"errors":[{"code":"NAME_UNKNOWN","message":"no such repository"}]}`, http.StatusNotFound)
		return
	}
	if r.mode == RegistryRedirectLoop {
		http.Redirect(w, req, p, http.StatusFound)
		return
	}
	if isManifest {
		switch r.mode {
		case RegistryStall:
			r.stall(req)
			return
		case RegistryBusy:
			r.sleep(req, r.tick)
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
		w.Header().Set("Docker-Content-Digest", digest(r.manifest))
		r.send(w, req, r.manifest, r.mode == RegistryTrickleMan)
		return
	}
	b, ok := r.blobs[blob]
	if blob == r.layer && r.mode == RegistryEndlessBlob {
		r.endless(w, req)
		return
	}
	if !ok {
		http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if blob == r.layer && r.mode == RegistryStallBlob {
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.WriteHeader(http.StatusOK)
		w.Write(b[:min(1024, len(b))])
		w.(http.Flusher).Flush()
		r.stall(req)
		return
	}
	r.send(w, req, b, blob == r.layer && r.mode == RegistryTrickleBlob)
}

// send writes b whole, or with trickle one byte per tick.
func (r *HostileRegistry) send(w http.ResponseWriter, req *http.Request, b []byte, trickle bool) {
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	if req.Method == http.MethodHead {
		return
	}
	if !trickle {
		w.Write(b)
		return
	}
	w.WriteHeader(http.StatusOK)
	start := time.Now()
	for i := range b {
		if r.Patience > 0 && time.Since(start) > r.Patience {
			panic(http.ErrAbortHandler) // hang up, mid-body
		}
		if _, err := w.Write(b[i : i+1]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		if !r.sleep(req, r.tick) {
			return
		}
	}
}

// endless sends zeros, 64 KiB a tick, until the client goes away.
func (r *HostileRegistry) endless(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Length", fmt.Sprint(int64(1)<<40))
	w.WriteHeader(http.StatusOK)
	if req.Method == http.MethodHead {
		return
	}
	chunk := make([]byte, 64<<10)
	start := time.Now()
	for {
		if r.Patience > 0 && time.Since(start) > r.Patience {
			panic(http.ErrAbortHandler)
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		if !r.sleep(req, r.tick) {
			return
		}
	}
}

// stall waits for the client to go away (or Patience), then hangs up.
func (r *HostileRegistry) stall(req *http.Request) {
	if r.Patience <= 0 {
		<-req.Context().Done()
		return
	}
	if r.sleep(req, r.Patience) {
		panic(http.ErrAbortHandler)
	}
}

func (r *HostileRegistry) sleep(req *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-req.Context().Done():
		return false
	case <-t.C:
		return true
	}
}
