#!/usr/bin/env bash
# make-fixtures.sh — build the image pairs strata's baseline tests hold against each other,
# with a REAL Docker engine (legacy builder, --network none), and record Docker's answers.
#
# Outputs, in this directory:
#   images.tar.zst   `docker save` of every image below (shared layers stored once), zstd -19
#   NAME.inspect.json / NAME.history.jsonl   `docker image inspect` / `docker history` of each
#   app.lock.json    `strata baseline --image strata-baseline/app:1 images.tar.zst`
#   MANIFEST.md      engine version, sizes, diff_ids
#
# Images (tags strata-baseline/base:1 and :2, strata-baseline/app:TAG):
#   base:1        docker import of a busybox rootfs (testdata/docker/images/base/busybox)
#   base:2        the same rootfs with /etc/os-release bumped: a new base layer
#   app:1         app/Dockerfile FROM base:1: LABEL base.name, RUN data, COPY config, RUN tool
#   app:rebuild   app/Dockerfile again, --no-cache, seconds later: same contents, new mtimes
#   app:grown     app/Dockerfile with --build-arg N=9000: the data layer grows ~40 kB
#   app:added     app/Dockerfile.added: a RUN layer inserted after the data layer
#   app:config    app/Dockerfile.config FROM app:1: ENV, EXPOSE 8080, USER root; no new layer
#   app:risky     app/Dockerfile.risky FROM app:1: setuid tool, a key written then deleted
#   app:rebased   app/Dockerfile with --build-arg BASE=strata-baseline/base:2
#
# Requirements: docker CLI and a running engine (DOCKER_HOST), GNU tar, zstd, jq, go.
# Starting a throw-away engine: see testdata/docker/make-fixtures.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$HERE"
export DOCKER_BUILDKIT=0 LC_ALL=C
BUSYBOX=${BUSYBOX:-$ROOT/testdata/docker/images/base/busybox}
P=strata-baseline
FIXED_MTIME=1700000000
APPS=(1 rebuild grown added config risky rebased)

die() { echo "make-fixtures: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "cannot reach a Docker engine (DOCKER_HOST=${DOCKER_HOST:-<unset>}); see testdata/docker/make-fixtures.sh"
command -v zstd >/dev/null || die "zstd not found"
command -v jq >/dev/null || die "jq not found"
[ -x "$BUSYBOX" ] || die "static busybox not found at $BUSYBOX"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say "removing previous images and outputs"
for ((i=${#APPS[@]}-1; i>=0; i--)); do docker image rm -f "$P/app:${APPS[i]}" >/dev/null 2>&1 || true; done
docker image rm -f "$P/base:1" "$P/base:2" >/dev/null 2>&1 || true
rm -f ./*.inspect.json ./*.history.jsonl images.tar.zst app.lock.json MANIFEST.md

# ---------------------------------------------------------------- bases (docker import)
rootfs() { # dir version
  local R=$1
  mkdir -p "$R/bin" "$R/etc" "$R/root" "$R/tmp" "$R/home/app"
  cp "$BUSYBOX" "$R/bin/busybox"
  chmod 0755 "$R/bin/busybox"
  for a in sh ls rm mkdir cp mv chmod chown ln echo cat touch printf true false id env stat seq test; do
    ln -s busybox "$R/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' > "$R/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\n' > "$R/etc/group"
  printf 'NAME=strata-baseline-base\nVERSION_ID=%s\n' "$2" > "$R/etc/os-release"
  chmod 0644 "$R/etc/passwd" "$R/etc/group" "$R/etc/os-release"
  chmod 0755 "$R" "$R/bin" "$R/etc" "$R/home"
  chmod 0700 "$R/root"
  chmod 1777 "$R/tmp"
  chown -R 1000:1000 "$R/home/app"
  find "$R" -exec touch -h -d "@$FIXED_MTIME" {} +
  tar -C "$R" --sort=name --numeric-owner --format=gnu -cf "$R.tar" .
}
for v in 1 2; do
  say "docker import -> $P/base:$v"
  rootfs "$WORK/base$v" "$v"
  docker import - "$P/base:$v" < "$WORK/base$v.tar" >/dev/null
done

# ---------------------------------------------------------------- builds
touch -d "@$FIXED_MTIME" app/config.txt
build() { # tag [docker build args...]
  local tag=$1; shift
  say "docker build -> $P/app:$tag $*"
  docker build --network none --pull=false -t "$P/app:$tag" "$@" app >"$WORK/build-$tag.log" 2>&1 ||
    { cat "$WORK/build-$tag.log" >&2; die "build of $tag failed"; }
}
build 1 --no-cache
build grown --build-arg N=9000          # cached up to the data layer
build added -f app/Dockerfile.added     # cached: the data layer is app:1's
build config -f app/Dockerfile.config
build risky -f app/Dockerfile.risky
sleep 2 # whole seconds: the rebuild's files get other mtimes in the tar headers
build rebuild --no-cache
build rebased --no-cache --build-arg BASE=$P/base:2

# ---------------------------------------------------------------- Docker's answers
diffids() { docker image inspect --format '{{join .RootFS.Layers " "}}' "$1"; }
for n in "${APPS[@]}"; do
  docker image inspect "$P/app:$n" > "app-$n.inspect.json"
  docker history --no-trunc --human=false --format '{{json .}}' "$P/app:$n" > "app-$n.history.jsonl"
done
# The timestamp-only rebuild must really have new diff_ids above the base.
read -r -a A <<<"$(diffids $P/app:1)"
read -r -a B <<<"$(diffids $P/app:rebuild)"
[ "${#A[@]}" = "${#B[@]}" ] || die "app-rebuild has ${#B[@]} layers, app ${#A[@]}"
[ "${A[0]}" = "${B[0]}" ] || die "app-rebuild has another base layer"
for ((i=1; i<${#A[@]}; i++)); do
  [ "${A[i]}" != "${B[i]}" ] || die "app-rebuild layer $i has app's diff_id: not a rebuild"
done

say "docker save -> images.tar.zst"
TAGS=("$P/base:1" "$P/base:2")
for n in "${APPS[@]}"; do TAGS+=("$P/app:$n"); done
docker save -o "$WORK/images.tar" "${TAGS[@]}"
zstd -q -19 -c "$WORK/images.tar" > images.tar.zst

say "strata baseline -> app.lock.json"
(cd "$ROOT" && go run . baseline --image "$P/app:1" testdata/baseline/images.tar.zst) > app.lock.json

# ---------------------------------------------------------------- MANIFEST.md
{
  echo "# Baseline fixtures"
  echo
  echo "Generated by \`make-fixtures.sh\`; do not edit. Docker's answers are unedited."
  echo
  echo "- Engine: $(docker version --format 'Engine {{.Server.Version}} (API {{.Server.APIVersion}}, {{.Server.Os}}/{{.Server.Arch}})'), storage driver \`$(docker info --format '{{.Driver}}')\`, legacy builder"
  echo "- \`images.tar.zst\`: $(stat -c %s images.tar.zst) bytes ($(stat -c %s "$WORK/images.tar") uncompressed)"
  echo
  echo "| image | diff_ids |"
  echo "| --- | --- |"
  for n in "${APPS[@]}"; do
    echo "| \`$P/app:$n\` | $(diffids "$P/app:$n" | tr ' ' '\n' | sed 's/^sha256:\(.\{12\}\).*/`\1`/' | paste -sd' ') |"
  done
} > MANIFEST.md
say "done"
