#!/usr/bin/env bash
# Rebuild images/base/busybox, the small static busybox that make-fixtures.sh puts into the
# base image (see BUSYBOX.md). Usage: build-busybox.sh path/to/busybox_1.35.0.orig.tar.bz2
# Needs: gcc, make, musl-tools (Debian). Reproducible: the result's sha256 is in BUSYBOX.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${1:?usage: $0 busybox_1.35.0.orig.tar.bz2}
command -v musl-gcc >/dev/null || { echo "musl-gcc not found (apt-get install musl-tools)" >&2; exit 1; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
tar -C "$W" -xjf "$SRC"
cd "$W"/busybox-1.35.0
cp "$HERE/busybox.config" .config
export SOURCE_DATE_EPOCH=1700000000
make -j"$(nproc)" CC=musl-gcc HOSTCC=gcc busybox >"$W/build.log" 2>&1 || { tail -30 "$W/build.log" >&2; exit 1; }
install -m 0755 busybox "$HERE/busybox"
sha256sum "$HERE/busybox"
