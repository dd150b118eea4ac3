package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// commonValues are values that parse for each common flag.
var commonValues = map[string][]string{
	"output": {"-o", "json"}, "no-trunc": {"--no-trunc"}, "quiet": {"-q"}, "null": {"-q0"},
	"no-progress": {"--no-progress"}, "image": {"--image", "x"}, "platform": {"--platform", "linux/amd64"},
	"limit": {"--limit", "entries=10"}, "insecure": {"--insecure"}, "timeout": {"--timeout", "5s"},
	"retries": {"--retries", "1"}, "cache": {"--cache", "/nonexistent"},
}

// TestEveryFlagListedOrRefused: a common flag a command's --help does not list is refused
// with one line naming it (exit 2), never accepted and ignored; one it lists is not refused
// as not applying.
func TestEveryFlagListedOrRefused(t *testing.T) {
	for name := range commands {
		var help bytes.Buffer
		if err := run(context.Background(), []string{name, "--help"}, nil, &help, &bytes.Buffer{}); err != nil {
			t.Fatalf("%s --help: %v", name, err)
		}
		for flag, args := range commonValues {
			listed := strings.Contains(help.String(), "--"+flag+" ") || strings.Contains(help.String(), "--"+flag+"\n")
			var stderr bytes.Buffer
			err := run(context.Background(), append(append([]string{name}, args...), "missing.tar"), nil, &bytes.Buffer{}, &stderr)
			code := exitCode(err, &stderr)
			refused := strings.Contains(stderr.String(), "does not apply to "+name)
			switch {
			case !listed && !refused:
				t.Errorf("%s %s: not in its --help, yet not refused (exit %d): %s", name, strings.Join(args, " "), code, stderr.String())
			case listed && refused:
				t.Errorf("%s %s: listed in its --help, yet refused: %s", name, strings.Join(args, " "), stderr.String())
			case !listed && code != exitError:
				t.Errorf("%s %s: exit %d, want 2", name, strings.Join(args, " "), code)
			}
		}
	}
}
