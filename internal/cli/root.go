// Package cli is strata's command line: one file per command, each parsing its flags,
// asking the middle stage (internal/analysis) for results and rendering them; the exit
// status is ExitCode's.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/strata-dev/strata/internal/escape"
	"github.com/strata-dev/strata/internal/load"
)

// Version is strata's version, which main sets (-ldflags "-X main.version=…").
var Version = "dev"

const usage = `strata inspects container image archives without a Docker daemon.

Usage:
  strata inspect IMAGE     identity, config, layers, sizes, wasted space
  strata history IMAGE     docker history, from the archive
  strata files IMAGE [PATH...]
                           files of the merged filesystem (--layer N: one layer,
                           raw; --tree: sizes summed per directory)
  strata diff OLD NEW      what changed between two images, or what a container
                           changed (NEW a docker export of a container of OLD)
  strata explore IMAGE     interactive explorer: layers, files as of a layer,
                           waste (with NEW: a diff)
  strata cat IMAGE PATH    one file's content (--layer N: as of layer N, even if
                           a later layer deleted it)
  strata images ARCHIVE    the images and platforms an archive holds (what
                           --image and --platform pick from)
  strata containers ROOT   the containers of an engine's data root (Docker,
                           containerd, containers-storage), read offline
  strata packages IMAGE    the software it holds (dpkg, apk, rpm, Python, npm,
                           Go, Java): the layer that installed and changed each,
                           its bytes; --by-layer, --layer N; -o cyclonedx|spdx
  strata baseline IMAGE    write the lock (JSON) a later build is held against
  strata check IMAGE       hold an image to CI rules (.strata.yaml, .dive-ci,
                           --cst, --baseline)
  strata report IMAGE [NEW] -o report.html
                           one self-contained HTML page: layers, treemap,
                           explorer, waste (with NEW: a diff report)
  strata completion SHELL
                           a script completing commands, flags and values read
                           from the archive: tags, platforms, layers, paths
                           (bash, zsh, fish, powershell)

IMAGE is a docker save or docker export tarball, an OCI archive or layout
directory, any of them gzip/zstd/xz/bzip2-compressed, - for standard input, or
an image in a registry: docker://REF, or a reference such as ghcr.io/o/app:1
that names no file; or an engine's data root (/var/lib/docker,
/var/lib/containerd, /var/lib/containers/storage) with --image REF or
--container ID.

Examples:
  strata inspect app.tar
  docker save app:1 | gzip | strata history -
  strata files --layer 3 -o json app.tar.gz
  strata inspect --image app:1 --platform linux/arm64 images.tar
  strata diff app-1.tar app-2.tar
  strata diff --semantic -o json old.tar new.tar
  strata cat --layer 4 app.tar /root/.ssh/id_rsa
  docker export ctr | strata diff app.tar -
  strata diff --container web /var/lib/docker
  strata packages -o cyclonedx app.tar > app.cdx.json
  strata baseline app.tar > strata.lock.json
  strata report -o report.html app.tar

Exit codes: 0 ok, 1 differences found or check failed, 2 usage error or
unreadable input.
Run 'strata help COMMAND' (or 'strata COMMAND --help') for a command's flags.
`

// Exit statuses.
const (
	exitOK    = 0
	exitDiff  = 1
	exitError = 2
)

// errDifferent reports that a comparison or check found differences (exit 1); the
// result has been printed already.
var errDifferent = errors.New("differences found")

// usageError is a bad command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// inCommand is an error of the command cmd: a usage error's hint names its own help.
type inCommand struct {
	cmd string
	err error
}

func (e *inCommand) Error() string { return e.err.Error() }
func (e *inCommand) Unwrap() error { return e.err }

// ExitCode prints err (if any) and maps it to the exit status.
func ExitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errDifferent):
		return exitDiff
	case errors.Is(err, pflag.ErrHelp):
		return exitOK
	}
	fmt.Fprintf(stderr, "strata: error: %s\n", escape.String(err.Error()))
	var le *load.Error
	if errors.As(err, &le) && le.Hint != "" {
		fmt.Fprintf(stderr, "strata: hint: %s\n", escape.String(le.Hint))
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ic := (*inCommand)(nil); errors.As(err, &ic) {
			fmt.Fprintf(stderr, "strata: hint: run 'strata %s --help' for usage\n", ic.cmd)
		} else {
			fmt.Fprintln(stderr, "strata: hint: run 'strata --help' for usage")
		}
	}
	return exitError
}

// Run executes one strata command line.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	if cmd == "__complete" || cmd == "__completeNoDesc" { // the completion scripts' question
		return runComplete(ctx, args, stdout, stderr)
	}
	if cmd == "help" && len(rest) > 0 {
		if _, ok := commands[rest[0]]; !ok {
			return &usageError{fmt.Sprintf("unknown command %q", rest[0])}
		}
		cmd, rest = rest[0], []string{"--help"}
	}
	if f, ok := commands[cmd]; ok {
		err := f(ctx, rest, stdin, stdout, stderr)
		var h *helpRequest
		if errors.As(err, &h) {
			_, err = io.WriteString(stdout, h.text)
		}
		var ue *usageError
		if errors.As(err, &ue) {
			err = &inCommand{cmd, err} // the hint names the command's own help
		}
		return err
	}
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "--version", "version":
		fmt.Fprintf(stdout, "strata %s\n", Version)
		return nil
	}
	return &usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// command runs one subcommand with the arguments after its name.
type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// commands are strata's subcommands, each in its own NAME.go.
var commands = map[string]command{
	"inspect":  runInspect,
	"history":  runHistory,
	"files":    runFiles,
	"diff":     runDiff,
	"cat":      runCat,
	"images":   runImages,
	"baseline": runBaseline,
	"check":    runCheck,
	"report":   runReport,
	"explore":  runExplore,
	"packages": runPackages,
	// completion is in commands, not the map's literal: its completer reads the map.
}

func init() { commands["completion"] = runCompletion }
