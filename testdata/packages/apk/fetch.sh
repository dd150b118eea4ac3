#!/usr/bin/env bash
# fetch.sh — apk databases from syft's public test data, fetched as the Go module
# github.com/anchore/syft (go mod download; its code is not used), with the answers
# syft's tests expect of them (and, for multiple-1, what `apk info` said in the container
# syft took it from: see the comments of its cataloger_test.go). The expected values are
# transcribed in packages/apk_test.go, each with the syft test it comes from.
#
#   bash testdata/packages/apk/fetch.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MOD=$(cd "$WORK" && go mod download -json github.com/anchore/syft@v1.57.2 | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
SRC=$MOD/syft/pkg/cataloger/alpine/testdata
for f in single empty-deps-and-provides base; do install -m 644 "$SRC/$f" "$HERE/$f"; done
for d in multiple-1 corrupt; do install -m 644 "$SRC/$d/lib/apk/db/installed" "$HERE/$d"; done
