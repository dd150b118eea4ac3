package testgen

import (
	"io"
	"os"
)

// WriteFile writes a fixture whole or not at all: write fills a temporary file beside name,
// renamed over it once complete; a failing write leaves no file and the old one as it was.
func WriteFile(name string, write func(io.Writer) error) error {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, name)
}
