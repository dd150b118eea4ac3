package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// noFilesWant is what inspect --no-files must say of an input, given its full inspect
// document: the same, with every file-level field null (not computed).
func noFilesWant(doc map[string]any) map[string]any {
	for _, k := range []string{"size", "files", "efficiency", "wasted_bytes", "wasted", "hidden", "escaping_paths", "verify"} {
		doc[k] = nil
	}
	for _, l := range doc["layers"].([]any) {
		l := l.(map[string]any)
		for _, k := range []string{"size", "files", "wasted_bytes", "top_files"} {
			l[k] = nil
		}
	}
	return doc
}

// TestInspectNoFiles: on every local kind of input, --no-files is inspect's document with
// the file-level fields null; identity, config, platform and the layers' descriptors equal.
func TestInspectNoFiles(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"testdata/docker/small.tar",       // docker save: no media types, uncompressed
		"testdata/docker/kitchen.tar",     // docker save
		"testdata/docker/kitchen.oci",     // OCI layout directory
		"testdata/docker/kitchen.oci.tar", // OCI archive
		"testdata/docker/kitchen.tar.gz",  // streamed
		"testdata/docker/kitchen.skopeo-docker.tar",
	} {
		want := noFilesWant(strataDoc(t, nil, "inspect", in))
		got := strataDoc(t, nil, "inspect", "--no-files", in)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("inspect --no-files %s (-want +got):\n%s", in, diff)
		}
	}
}
