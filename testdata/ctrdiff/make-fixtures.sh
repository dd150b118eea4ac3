#!/usr/bin/env bash
# make-fixtures.sh — real containers that delete what their image's top layer added, delete
# and recreate directories, or delete most of the image, made with podman (vfs and overlay
# storage, private roots under a temp directory) and Docker (the engine at DOCKER_HOST), with
# each engine's own `podman diff` / `docker diff` and `… export` of every container, and the
# images saved: so that `strata diff IMAGE EXPORT` is compared with the engine entry for
# entry, and its refusal of an export against a sibling image (same base, other top layer)
# is tested against exports that really come from the image.
#
# The images hold no shell: a static busybox is bind-mounted into each container at
# /.bb/busybox (the image carries the empty mountpoint), so images and exports stay a few KB.
# Images are made by run + commit, one layer per step. Every archive is stored gzip'd
# (gzip -n: the tool's bytes, compressed whole; strata reads them as they are).
#
# Outputs, per engine E in podman-vfs, podman-overlay, docker:
#   E.top.tar.gz, E.sibling.tar.gz, E.sibling2.tar.gz   podman save / docker save
#   E.C.export.tar.gz, E.C.diff.txt                      export and diff (sorted) of container C
# Containers (all of image top): rmtop (rm the two files top's last layer added), recreate
# (rm -rf /app, mkdir /app, a new file), subrecreate (the same one level down), wipe (rm -rf
# most of the image).
#
# Requirements: podman, a Docker engine at DOCKER_HOST (testdata/docker/make-fixtures.sh
# says how to start one), the kernel's overlayfs, GNU tar, gzip. Run as root:
#   export DOCKER_HOST=unix:///tmp/dockerd/docker.sock
#   bash testdata/ctrdiff/make-fixtures.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
export LC_ALL=C
BUSYBOX=${BUSYBOX:-$HERE/../docker/images/base/busybox}
FIXED_MTIME=1700000000

die() { echo "make-fixtures: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }
command -v podman >/dev/null || die "podman not found"
command -v docker >/dev/null || die "docker not found"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine at DOCKER_HOST=${DOCKER_HOST:-<unset>}"
[ -x "$BUSYBOX" ] || die "static busybox not found at $BUSYBOX"

WORK=$(mktemp -d /tmp/strata-ctrdiff.XXXXXX)
cleanup() {
  for d in vfs overlay; do
    podman --root "$WORK/$d/root" --runroot "$WORK/$d/run" --storage-driver "$d" system reset -f >/dev/null 2>&1 || true
  done
  for c in $(docker ps -aq --filter name=h17-ctrdiff-); do docker rm -f "$c" >/dev/null 2>&1 || true; done
  for i in h17-ctrdiff/top:1 h17-ctrdiff/sibling:1 h17-ctrdiff/sibling2:1 h17-ctrdiff/base:1 h17-ctrdiff/top:step; do
    docker rmi "$i" >/dev/null 2>&1 || true
  done
  umount "$WORK"/overlay/root/overlay/*/merged 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
rm -f ./*.tar.gz ./*.diff.txt ./VERSIONS.txt

# ---------------------------------------------------------------- the base rootfs
R=$WORK/rootfs
mkdir -p "$R/.bb" "$R/bin" "$R/etc" "$R/usr/share/base" "$R/var/lib/data" "$R/lib"
: > "$R/.bb/busybox"; chmod 0755 "$R/.bb/busybox"
printf 'root:x:0:0:root:/root:/.bb/busybox\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
printf 'NAME=ctrdiff\n' > "$R/etc/os-release"
for i in $(seq 1 12); do printf 'doc %s\n' "$i" > "$R/usr/share/base/doc$i"; done
for i in 1 2 3 4 5; do printf 'data %s\n' "$i" > "$R/var/lib/data/f$i"; done
printf 'lib\n' > "$R/lib/libx.so"
find "$R" -exec touch -h -d "@$FIXED_MTIME" {} +
tar -C "$R" --sort=name --numeric-owner --owner=0 --group=0 -cf "$WORK/base.tar" .

B=/.bb/busybox
TOP1="$B mkdir -p /app/sub && echo a > /app/a && echo b > /app/sub/b && echo cfg > /etc/app.conf && $B rm /etc/os-release"
TOP2="echo x > /app/x && $B mkdir -p /opt && echo y > /opt/y"
SIB="$B mkdir -p /srv && echo s > /srv/s && $B rm /etc/group"
SIB2="$B mkdir /other && echo o > /other/o"
declare -A CTR=(
  [rmtop]="$B rm /app/x /opt/y"
  [recreate]="$B rm -rf /app && $B mkdir /app && echo n > /app/new"
  [subrecreate]="$B rm -rf /app/sub && $B mkdir /app/sub && echo c > /app/sub/c"
  [wipe]="$B rm -rf /usr /var /lib /app /opt /etc/app.conf"
)

# engine E: run + commit, save, containers, export, diff. $1 = name, then the CLI to call.
make_images() { # E CLI...
  local e=$1; shift
  local cli=("$@") mnt=(-v "$BUSYBOX:/.bb/busybox:ro") run=(run --network none) q=()
  [ "${cli[0]}" = podman ] && run+=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024) && q=(-q)
  step() { # NAME FROM TO CMD
    "${cli[@]}" "${run[@]}" --name "h17-ctrdiff-$1" "${mnt[@]}" "$2" $B sh -c "$4" >/dev/null
    sleep 1.1 # each step's changes show in whole-second mtimes
    "${cli[@]}" commit "${q[@]}" --change "CMD [\"$B\",\"sh\"]" "h17-ctrdiff-$1" "$3" >/dev/null
    "${cli[@]}" rm "h17-ctrdiff-$1" >/dev/null
  }
  "${cli[@]}" import "${q[@]}" "$WORK/base.tar" h17-ctrdiff/base:1 >/dev/null
  step top1 h17-ctrdiff/base:1 h17-ctrdiff/top:step "$TOP1"
  step top2 h17-ctrdiff/top:step h17-ctrdiff/top:1 "$TOP2"
  step sib h17-ctrdiff/base:1 h17-ctrdiff/sibling:1 "$SIB"
  step sib2 h17-ctrdiff/base:1 h17-ctrdiff/sibling2:1 "$SIB2"
  for n in top sibling sibling2; do
    local fmt=(); [ "${cli[0]}" = podman ] && fmt=(--format docker-archive)
    "${cli[@]}" save "${q[@]}" "${fmt[@]}" -o "$WORK/$e.$n.tar" "h17-ctrdiff/$n:1"
    gzip -n -9 -c "$WORK/$e.$n.tar" > "$e.$n.tar.gz"
  done
  sleep 1.1
  for c in "${!CTR[@]}"; do
    "${cli[@]}" "${run[@]}" --name "h17-ctrdiff-$c" "${mnt[@]}" h17-ctrdiff/top:1 $B sh -c "${CTR[$c]}" >/dev/null
    "${cli[@]}" export -o "$WORK/$e.$c.export.tar" "h17-ctrdiff-$c"
    gzip -n -9 -c "$WORK/$e.$c.export.tar" > "$e.$c.export.tar.gz"
    "${cli[@]}" diff "h17-ctrdiff-$c" | sort > "$e.$c.diff.txt"
    "${cli[@]}" rm "h17-ctrdiff-$c" >/dev/null
  done
}

for d in vfs overlay; do
  say "podman ($d storage)"
  make_images "podman-$d" podman --root "$WORK/$d/root" --runroot "$WORK/$d/run" --storage-driver "$d" \
    --cgroup-manager cgroupfs --events-backend file --runtime runc
done
say "docker ($(docker info --format '{{.Driver}}'))"
make_images docker docker
for i in h17-ctrdiff/top:1 h17-ctrdiff/sibling:1 h17-ctrdiff/sibling2:1 h17-ctrdiff/top:step h17-ctrdiff/base:1; do
  docker rmi "$i" >/dev/null 2>&1 || true
done
{
  podman --version
  docker version --format 'Docker Engine {{.Server.Version}}'
  echo "docker storage driver: $(docker info --format '{{.Driver}}')"
} > VERSIONS.txt
say "done"
