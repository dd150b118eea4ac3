//go:build unix

package regfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOpen: a regular file opens; a FIFO nobody writes to, a directory and a character
// device are refused at once (issue 18, item 8), a symbolic link to a regular file is
// followed.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "rules.yaml")
	os.WriteFile(reg, []byte("max_size: 1MB\n"), 0o644)
	fifo := filepath.Join(dir, "rules.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	link := filepath.Join(dir, "link.yaml")
	os.Symlink("rules.yaml", link)
	for _, p := range []string{reg, link} {
		f, err := Open(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		f.Close()
	}
	for p, want := range map[string]string{fifo: "a FIFO or pipe, not a regular file", dir: "a directory", "/dev/null": "a character device"} {
		_, err := Open(p)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", p, err, want)
		}
	}
}
