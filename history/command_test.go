package history

import "testing"

// TestCommand: the forms Docker's legacy builder, BuildKit and other builders record
// (created_by of testdata/docker/kitchen.history.jsonl and of BuildKit images).
func TestCommand(t *testing.T) {
	for in, want := range map[string]string{
		`/bin/sh -c #(nop)  CMD ["echo kitchen"]`:                    `CMD ["echo kitchen"]`,
		`/bin/sh -c #(nop) WORKDIR /srv/work`:                        `WORKDIR /srv/work`,
		"/bin/sh -c mkdir -p /opt/app \\\n\t&& echo x":               `RUN mkdir -p /opt/app \ && echo x`,
		`|2 N=200 M=x /bin/sh -c seq 1 ${N}`:                         `RUN seq 1 ${N}`,
		`RUN /bin/sh -c apk add --no-cache curl # buildkit`:          `RUN apk add --no-cache curl`,
		`COPY app /app # buildkit`:                                   `COPY app /app`,
		`Imported from -`:                                            `Imported from -`,
		`/bin/sh -c #(nop) COPY file:5d3d0d0e8c6d2a3b in /opt/app/ `: `COPY file:5d3d0d0e8c6d2a3b in /opt/app/`,
		``: ``,
	} {
		if got := Command(in); got != want {
			t.Errorf("Command(%q) = %q, want %q", in, got, want)
		}
	}
}
