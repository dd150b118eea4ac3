#!/usr/bin/env bash
# make-fixtures.sh — write the archives of testdata/quirks (what other writers produce that a
# reader must not take at face value) with `go run ./internal/testgen/cmd/genquirks`, then
# record what the OWNING ENGINE makes of each, beside it, so tests compare strata with the
# engine and need none of them:
#
#   docker load (Docker Engine, graph-driver store; the one at DOCKER_HOST) for the docker
#   saves: `docker image inspect`, `docker history --no-trunc --human=false --format '{{json .}}'`, and
#   `docker export` of a container created (never started) from each loaded image; plus
#   `docker save` of the loaded image (what a correct writer gives for the same image);
#
#   containerd (`ctr`, a private daemon started here under a temp directory and stopped at
#   the end) for the OCI layouts: `ctr images import` (its output or its error) and
#   `ctr images ls`.
#
# Requirements: go, a Docker engine reachable through DOCKER_HOST (see
# testdata/docker/make-fixtures.sh for starting a throw-away one), containerd + ctr, GNU tar,
# jq. Re-running rewrites every output; images and containers it makes are named h17-… and
# removed at the end.
#
#   export DOCKER_HOST=unix:///tmp/dockerd/docker.sock
#   bash testdata/quirks/make-fixtures.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$HERE"
export LC_ALL=C

die() { echo "make-fixtures: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

for t in go docker ctr containerd skopeo jq; do
  command -v "$t" >/dev/null || die "$t not found"
done
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine at DOCKER_HOST=${DOCKER_HOST:-<unset>}"

WORK=$(mktemp -d /tmp/strata-quirks.XXXXXX)
CTRD_PID=
cleanup() {
  [ -n "$CTRD_PID" ] && kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
  for c in $(docker ps -aq --filter name=h17-quirk-); do docker rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

say "genquirks"
(cd "$ROOT" && go run ./internal/testgen/cmd/genquirks -out "$HERE")

# ---------------------------------------------------------------- docker load
# name: file stem for a loaded tag (h17-order:1 -> order-1)
stem() { local t=${1#h17-}; echo "${t/:/-}"; }

record_image() { # TAG
  local tag=$1 s; s=$(stem "$1")
  docker image inspect "$tag" > "$s.inspect.json"
  docker history --no-trunc --human=false --format '{{json .}}' "$tag" > "$s.history.jsonl"
  docker create --name "h17-quirk-$s" "$tag" >/dev/null
  docker export -o "$s.export.tar" "h17-quirk-$s"
  docker rm "h17-quirk-$s" >/dev/null
}

TAGS=(h17-order:1 h17-order:dup h17-old:1 h17-old:base h17-v1:1)
# remove_images removes the tagged images and, by ID, the untagged ones a legacy load made
# of their lower layers (never a prune: the engine may be shared).
remove_images() {
  local ids=() t
  for t in "${TAGS[@]}"; do
    mapfile -t -O "${#ids[@]}" ids < <(docker history -q "$t" 2>/dev/null | grep -v missing || true)
    docker rmi "$t" >/dev/null 2>&1 || true
  done
  for t in "${ids[@]}"; do docker rmi "$t" >/dev/null 2>&1 || true; done
}
remove_images
: > docker-load.txt
for f in docker2500.tar docker2500-dup.tar docker19.tar v1-no-manifest.tar; do
  say "docker load -i $f"
  { echo "\$ docker load -i $f"; docker load -i "$f" 2>&1; echo "exit $?"; } >> docker-load.txt
done
docker version --format 'Docker Engine {{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})' > docker-version.txt
docker info --format 'storage driver {{.Driver}}' >> docker-version.txt
for tag in "${TAGS[@]}"; do
  record_image "$tag"
done
say "docker save h17-order:1 (a correct save of the same image, by this engine)"
docker save -o order-1.docker-save.tar h17-order:1

remove_images
# A docker-archive whose config was edited after the save, under its old name: docker load
# computes the ID from the bytes.
for f in config-renamed.docker.tar config-renamed.docker25.tar; do
  tag=h17-cfg:${f#config-renamed.}; tag=${tag%.tar}
  { echo "\$ docker load -i $f"; docker load -i "$f" 2>&1; echo "exit $?"; } >> docker-load.txt
  docker image inspect "$tag" > "${f%.tar}.inspect.json"
  docker rmi "$tag" >/dev/null
done

# ---------------------------------------------------------------- skopeo: a foreign layer
# skopeo copy to an oci: layout leaves a foreign (non-distributable) layer's blob out, as
# containers/image does for destinations that accept the layer's URLs.
say "skopeo copy (foreign layer)"
(cd "$ROOT" && go run ./internal/testgen/cmd/genquirks -out "$WORK/unused" -foreign-src "$WORK/foreign-src")
rm -rf foreign.oci
skopeo --insecure-policy copy -q "oci:$WORK/foreign-src:app:1" "oci:$HERE/foreign.oci:app:1"
skopeo --version > skopeo-version.txt

# ---------------------------------------------------------------- containerd
say "starting a private containerd"
C=$WORK/containerd
mkdir -p "$C"
printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/containerd.sock"\n[ttrpc]\n  address = "%s/containerd.sock.ttrpc"\n' \
  "$C" "$C" "$C" "$C" > "$C/config.toml"
containerd --config "$C/config.toml" >"$C/log" 2>&1 &
CTRD_PID=$!
for _ in $(seq 50); do ctr -a "$C/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.2; done
ctr -a "$C/containerd.sock" version >/dev/null || { cat "$C/log" >&2; die "containerd did not start"; }
ctr --version > ctr-version.txt
# record FILE NS ARGS...: `ctr -n NS ARGS`, its output (stdout and stderr, log times dropped)
# and its exit status, appended to FILE
record() {
  local out=$1 ns=$2; shift 2
  local rc
  echo "\$ ctr -n $ns $*" >> "$out"
  set +e
  ctr -a "$C/containerd.sock" -n "$ns" "$@" 2>&1 | sed -E 's/time="[^"]*" //' >> "$out"
  rc=${PIPESTATUS[0]}
  set -e
  echo "exit $rc" >> "$out"
}
tar -C "$HERE/foreign.oci" -cf "$WORK/foreign.tar" .
for f in config-renamed.oci.tar artifacts.tar platform-mismatch.tar same-name.tar not-gzip.tar bad-gzip.tar foreign.tar; do
  ns=${f%.tar}; out=$ns.ctr.txt; : > "$out"
  in=$HERE/$f; [ "$f" = foreign.tar ] && in=$WORK/foreign.tar
  say "ctr images import $f"
  all=(); [ "$f" = platform-mismatch.tar ] && all=(--all-platforms)
  record "$out" "$ns" images import "${all[@]}" "$in"
  record "$out" "$ns" images ls
  if [ "$f" = platform-mismatch.tar ]; then
    for p in linux/amd64 linux/arm64 linux/arm64/v8 linux/arm/v7; do
      record "$out" "$ns" images export --platform "$p" "$WORK/x.tar" app:1
    done
  fi
done
sed -i "s|$HERE/||g; s|$WORK/|\$WORK/|g" ./*.ctr.txt
kill "$CTRD_PID"; wait "$CTRD_PID" 2>/dev/null || true; CTRD_PID=

chmod 0644 ./*.tar
say "done"
