package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// strata runs as a child process of these tests some 300 times; under -race each would
	// sleep a second before exiting (the race runtime's atexit_sleep_ms), for nothing.
	if g := os.Getenv("GORACE"); !strings.Contains(g, "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(g+" atexit_sleep_ms=0"))
	}
	if os.Getenv("STRATA_TEST_MAIN") == "1" { // the test binary as strata, for pty_test.go
		os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr))
	}
	testscript.Main(m, map[string]func(){
		"strata": func() {
			os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Stderr))
		},
	})
}

// TestScript runs the CLI scripts in testdata/script: each asserts stdout, stderr and the
// exit status of strata commands. $DATA is the absolute path of testdata/, $SAMPLES that of
// ../shared/samples (scripts that need it skip when it is absent: `[!samples] skip`).
// $DEBIAN is testdata/packages/debian.tar.zst decompressed (once for all scripts: its 224 MB
// of tar take seconds to decompress under -race; the scripts read it at random).
// UPDATE_GOLDEN=1 rewrites the expected output in the scripts.
func TestScript(t *testing.T) {
	data, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	samples, _ := filepath.Abs(filepath.Join("..", "shared", "samples"))
	debian := filepath.Join(t.TempDir(), "debian.tar")
	var unpack sync.Once
	var unpackErr error
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("DATA", data)
			env.Setenv("SAMPLES", samples)
			unpack.Do(func() { unpackErr = unzstd(filepath.Join(data, "packages", "debian.tar.zst"), debian) })
			env.Setenv("DEBIAN", debian)
			return unpackErr
		},
		Condition: func(cond string) (bool, error) {
			if cond == "samples" {
				_, err := os.Stat(filepath.Join(samples, "README.md"))
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds:          map[string]func(ts *testscript.TestScript, neg bool, args []string){"mkimage": cmdMkimage},
		UpdateScripts: os.Getenv("UPDATE_GOLDEN") == "1",
	})
}

// unzstd writes the zstd stream src decompressed to dst.
func unzstd(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := zstd.NewReader(in)
	if err != nil {
		return err
	}
	defer zr.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
