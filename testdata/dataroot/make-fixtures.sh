#!/usr/bin/env bash
# make-fixtures.sh — capture small engine data roots (Docker overlay2 and vfs, podman overlay
# and vfs, containerd's overlayfs snapshotter) with the REAL engines, and record the engines'
# own answers beside them (docker diff / podman diff / ctr snapshots diff, container and image
# inspect, ps --size), so tests compare `strata containers|images|diff --container` with them.
#
# Every engine is private: its own daemon (dockerd, containerd) or storage (podman --root,
# --runroot), all under one temporary directory, stopped and removed at the end. Nothing of
# the machine's other engines is touched.
#
# Each engine gets the same image (a `docker import`ed busybox rootfs plus three RUN layers:
# files, deletions, and a directory removed and recreated) and the same containers:
#   edit      adds, changes (content, mode, owner, mtime, symlink target) and deletes
#   recreate  removes directories and recreates them (overlay: opaque directories)
#   rename    renames an image directory (no redirect_dir here: a copy and a delete), a file,
#             and a directory the container made
#   types     a file becomes a directory and a directory a file; a hardlink
#   noop      changes nothing
#   live      still running when the root is captured (state "running")
#
# A root is captured with GNU tar (POSIX format, xattrs incl. trusted.overlay.*, device
# nodes, nanosecond mtimes) into <engine>.root.tar.zst, keeping only what a reader needs:
# no logs, no work/ or merged/ directories, no network or plugin state.
#
# Requirements (Debian): docker.io (dockerd 20.10), podman, buildah, containerd (ctr), runc,
# zstd, jq, GNU tar; the kernel's overlayfs. Run as root:  bash testdata/dataroot/make-fixtures.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
export LC_ALL=C DOCKER_BUILDKIT=0
BUSYBOX=${BUSYBOX:-$HERE/../docker/images/base/busybox}
FIXED_MTIME=1700000000 # 2023-11-14T22:13:20Z, for the base rootfs

die() { echo "make-fixtures: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (engines, overlay mounts, trusted.* xattrs)"
for t in dockerd docker podman containerd ctr runc zstd jq; do
  command -v "$t" >/dev/null || die "$t not found"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar required"
[ -x "$BUSYBOX" ] || die "static busybox not found at $BUSYBOX"

W=$(mktemp -d /tmp/strata-dataroot.XXXXXX)
PIDS=()
PODMANS=() # driver:dir of each podman store, whose containers cleanup removes
cleanup() {
  set +e
  for pd in "${PODMANS[@]}"; do
    podman --root "${pd#*:}/root" --runroot "${pd#*:}/run" --storage-driver "${pd%%:*}" \
      --cgroup-manager cgroupfs --events-backend file --runtime runc rm -a -f -t 0 >/dev/null 2>&1
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  grep " $W" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

# ---------------------------------------------------------------- base rootfs and build context
say "assembling base rootfs from $BUSYBOX"
R=$W/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/root" "$R/tmp" "$R/srv/data/sub" "$R/srv/old/deep" "$R/srv/keep"
cp "$BUSYBOX" "$R/bin/busybox"
chmod 0755 "$R/bin/busybox"
for a in sh ls rm mkdir cp mv chmod chown ln echo cat touch printf true sleep; do
  ln -s busybox "$R/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
echo a > "$R/srv/data/a.txt"; echo b > "$R/srv/data/b.txt"; echo c > "$R/srv/data/sub/c.txt"
echo x > "$R/srv/old/x.txt"; echo y > "$R/srv/old/deep/y.txt"; echo k > "$R/srv/keep/k.txt"
chmod 0644 "$R/etc/passwd" "$R"/srv/*/*.txt "$R/srv/data/sub/c.txt" "$R/srv/old/deep/y.txt"
chmod 0755 "$R" "$R/bin" "$R/etc" "$R/srv" "$R"/srv/* "$R/srv/data/sub" "$R/srv/old/deep"
chmod 0700 "$R/root"
chmod 1777 "$R/tmp"
find "$R" -exec touch -h -d "@$FIXED_MTIME" {} +
tar -C "$R" --sort=name --numeric-owner --owner=0 --group=0 --format=gnu -cf "$W/base.tar" .

mkdir -p "$W/app"
cat > "$W/app/Containerfile" <<'EOF'
FROM BASE
RUN mkdir -p /app/conf /app/cache && echo v1 > /app/conf/app.conf && echo c > /app/cache/f && ln -s /app/conf/app.conf /app/link
RUN rm -rf /srv/old/deep && rm /srv/data/b.txt
RUN rm -rf /app/cache && mkdir /app/cache && echo g > /app/cache/g
CMD ["/bin/sh"]
EOF

# The containers' scripts (busybox sh).
CTRS=(edit recreate rename types noop)
script() {
  case $1 in
  edit) echo 'set -e
echo new > /app/new.txt
echo more >> /app/conf/app.conf
chmod 600 /srv/data/a.txt
chown 1:1 /srv/keep
rm /srv/data/sub/c.txt
rm -rf /srv/old
mkdir -p /var/new/x && echo y > /var/new/x/y.txt
touch /etc/passwd
ln -sf /srv/data/a.txt /app/link' ;;
  recreate) echo 'set -e
rm -rf /app/conf && mkdir /app/conf && echo v2 > /app/conf/app.conf
rm -rf /srv/data && mkdir /srv/data' ;;
  rename) echo 'set -e
mv /srv/data /srv/moved
mv /app/conf/app.conf /app/conf/renamed.conf
mkdir /tmp/newdir && echo f > /tmp/newdir/f && mv /tmp/newdir /tmp/renamed' ;;
  types) echo 'set -e
rm /srv/data/a.txt && mkdir /srv/data/a.txt && echo in > /srv/data/a.txt/in
rm -rf /srv/keep && echo now-a-file > /srv/keep
ln /srv/data/sub/c.txt /srv/hl' ;;
  noop) echo 'true' ;;
  esac
}
LIVE='echo live > /live.txt && exec sleep 100000'

# capture ROOT NAME PATTERN...: tar the root's paths matching the find expressions given.
capture() {
  local root=$1 name=$2; shift 2
  say "capturing $name ($(du -sh "$root" | cut -f1) on disk)"
  (cd "$root" && find . "$@" -print0 | LC_ALL=C sort -z) > "$W/$name.list"
  tar -C "$root" --null --no-recursion -T "$W/$name.list" --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --xattrs --xattrs-include='*' --numeric-owner -cf "$W/$name.root.tar"
  zstd -q -19 --long=24 -f "$W/$name.root.tar" -o "$name.root.tar.zst"
}

# ---------------------------------------------------------------- Docker (overlay2, vfs)
docker_engine() { # driver name
  local driver=$1 name=$2 D=$W/$2
  mkdir -p "$D"
  dockerd --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
    --data-root "$D/root" --exec-root "$D/exec" --pidfile "$D/docker.pid" \
    -H "unix://$D/docker.sock" >"$D/dockerd.log" 2>&1 &
  PIDS+=($!)
  local pid=$!
  export DOCKER_HOST=unix://$D/docker.sock
  for _ in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
  docker version >/dev/null || { cat "$D/dockerd.log" >&2; die "dockerd ($driver) did not start"; }
  [ "$(docker info --format '{{.Driver}}')" = "$driver" ] || die "dockerd did not use $driver"
  say "docker ($driver): import, build"
  docker import - h22/base:1 < "$W/base.tar" >/dev/null
  sed 's#^FROM BASE#FROM h22/base:1#' "$W/app/Containerfile" > "$W/app/Dockerfile.docker"
  docker build -q -f "$W/app/Dockerfile.docker" -t h22/app:1 "$W/app" >/dev/null
  sleep 1.1 # a container's changes show in whole-second mtimes too
  for c in "${CTRS[@]}"; do
    say "docker ($driver): container $c"
    docker run --network none --name "$c" h22/app:1 sh -c "$(script "$c")"
  done
  docker run -d --network none --name live h22/app:1 sh -c "$LIVE" >/dev/null
  sleep 1
  for c in "${CTRS[@]}" live; do docker diff "$c" | sort > "$name.$c.diff.txt"; done
  docker container inspect --size "${CTRS[@]}" live > "$name.containers.json"
  docker image inspect h22/base:1 h22/app:1 > "$name.images.json"
  docker ps -a --size --no-trunc --format '{{json .}}' > "$name.ps.jsonl"
  docker images --no-trunc --format '{{json .}}' > "$name.images.jsonl"
  docker version --format '{{.Server.Version}}' > "$name.version.txt"
  capture "$D/root" "$name" \( -path ./image -o -path './image/*' \
    -o -path ./containers -o -path './containers/*' -a ! -path './containers/*/*' \
    -o -path './containers/*/config.v2.json' -o -path './containers/*/hostconfig.json' \
    -o -path "./$driver" -o -path "./$driver/*" -a ! -path "./$driver/*/work" -a ! -path "./$driver/*/work/*" \
    -a ! -path "./$driver/*/merged" -a ! -path "./$driver/*/merged/*" \)
  docker rm -f live >/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true
  unset DOCKER_HOST
}

# ---------------------------------------------------------------- podman (overlay, vfs)
podman_engine() { # driver name
  local driver=$1 name=$2 D=$W/$2
  P() { podman --root "$D/root" --runroot "$D/run" --storage-driver "$driver" \
    --cgroup-manager cgroupfs --events-backend file --runtime runc "$@"; }
  local RUN=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
  PODMANS+=("$driver:$D")
  say "podman ($driver): import, build"
  P import -q "$W/base.tar" localhost/h22/base:1 >/dev/null
  sed 's#^FROM BASE#FROM localhost/h22/base:1#' "$W/app/Containerfile" > "$W/app/Containerfile.podman"
  P build -q --pull=never "${RUN[@]}" -f "$W/app/Containerfile.podman" -t localhost/h22/app:1 "$W/app" >/dev/null
  sleep 1.1
  for c in "${CTRS[@]}"; do
    say "podman ($driver): container $c"
    P run "${RUN[@]}" --name "$c" localhost/h22/app:1 sh -c "$(script "$c")"
  done
  P run -d "${RUN[@]}" --name live localhost/h22/app:1 sh -c "$LIVE" >/dev/null
  sleep 1
  # podman diff can fail (c/storage 1.43's native overlay diff stats a path below a lower
  # layer's file: ENOTDIR); its error is the engine's answer then.
  for c in "${CTRS[@]}" live; do
    { P diff "$c" 2>"$name.$c.diff-error.txt" || true; } | sort > "$name.$c.diff.txt"
    [ -s "$name.$c.diff-error.txt" ] || rm -f "$name.$c.diff-error.txt"
  done
  P container inspect --size "${CTRS[@]}" live > "$name.containers.json"
  P image inspect localhost/h22/base:1 localhost/h22/app:1 > "$name.images.json"
  P ps -a --size --no-trunc --format json > "$name.ps.json"
  P images --no-trunc --format json > "$name.images-ls.json"
  P version --format '{{.Client.Version}}' > "$name.version.txt"
  capture "$D/root" "$name" \( -path "./$driver-images" -o -path "./$driver-images/*" \
    -o -path "./$driver-layers" -o -path "./$driver-layers/*" \
    -o -path "./$driver-containers" -o -path "./$driver-containers/*.json" -a ! -path "./$driver-containers/*/*" \
    -o -path ./libpod -o -path ./libpod/bolt_state.db \
    -o -path "./$driver" -o -path "./$driver/*" -a ! -path "./$driver/*/work" -a ! -path "./$driver/*/work/*" \
    -a ! -path "./$driver/*/merged" -a ! -path "./$driver/*/merged/*" \)
  P rm -f -t 0 live >/dev/null
}

# ---------------------------------------------------------------- containerd (overlayfs)
containerd_engine() { # name
  local name=$1 D=$W/$1
  mkdir -p "$D"
  cat > "$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
EOF
  containerd --config "$D/config.toml" >"$D/log" 2>&1 &
  PIDS+=($!)
  local pid=$!
  local CTR=(ctr -a "$D/containerd.sock" -n h22)
  for _ in $(seq 100); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
  "${CTR[@]}" version >/dev/null || { cat "$D/log" >&2; die "containerd did not start"; }
  say "containerd: import (docker save of the overlay2 engine's image), unpack"
  "${CTR[@]}" images import --snapshotter overlayfs "$W/app.docker.tar" >/dev/null
  local ref=localhost/h22/app:1
  sleep 1.1
  for c in "${CTRS[@]}"; do
    say "containerd: container $c"
    "${CTR[@]}" run --snapshotter overlayfs "$ref" "$c" sh -c "$(script "$c")"
  done
  "${CTR[@]}" run -d --snapshotter overlayfs "$ref" live sh -c "$LIVE" >/dev/null
  sleep 1
  # ctr snapshots diff writes its diff tars into the content store: keep only the image's blobs
  ls "$D/root/io.containerd.content.v1.content/blobs/sha256" > "$W/blobs-before"
  for c in "${CTRS[@]}" live; do
    "${CTR[@]}" snapshots --snapshotter overlayfs diff "$c" > "$W/$c.diff.tgz"
    tar -tzf "$W/$c.diff.tgz" | sort > "$name.$c.snapshot-diff.txt"
  done
  for c in "${CTRS[@]}" live; do "${CTR[@]}" containers info "$c"; done | jq -s . > "$name.containers.json"
  "${CTR[@]}" images ls > "$name.images-ls.txt"
  "${CTR[@]}" snapshots --snapshotter overlayfs ls > "$name.snapshots-ls.txt"
  "${CTR[@]}" snapshots --snapshotter overlayfs usage > "$name.snapshots-usage.txt"
  "${CTR[@]}" tasks ls > "$name.tasks-ls.txt"
  ctr --version > "$name.version.txt"
  # the live task ends before the daemon does (containerd keeps no task state in its root)
  "${CTR[@]}" tasks kill -s SIGKILL live >/dev/null 2>&1 || true
  sleep 1
  "${CTR[@]}" tasks delete live >/dev/null 2>&1 || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  for b in "$D"/root/io.containerd.content.v1.content/blobs/sha256/*; do
    grep -qx "$(basename "$b")" "$W/blobs-before" || rm -f "$b" # the stopped scratch daemon's, not the image's
  done
  capture "$D/root" "$name" \( -path ./io.containerd.metadata.v1.bolt -o -path ./io.containerd.metadata.v1.bolt/meta.db \
    -o -path ./io.containerd.content.v1.content -o -path './io.containerd.content.v1.content/blobs' \
    -o -path './io.containerd.content.v1.content/blobs/*' \
    -o -path ./io.containerd.snapshotter.v1.overlayfs -o -path ./io.containerd.snapshotter.v1.overlayfs/metadata.db \
    -o -path ./io.containerd.snapshotter.v1.overlayfs/snapshots -o -path './io.containerd.snapshotter.v1.overlayfs/snapshots/*' \
    -a ! -path './io.containerd.snapshotter.v1.overlayfs/snapshots/*/work' \
    -a ! -path './io.containerd.snapshotter.v1.overlayfs/snapshots/*/work/*' \)
}

rm -f ./*.root.tar.zst ./*.diff.txt ./*.json ./*.jsonl ./*.txt MANIFEST.md
docker_engine overlay2 docker-overlay2
docker_engine vfs docker-vfs
podman_engine overlay podman-overlay
podman_engine vfs podman-vfs
# containerd gets the podman build of the image (podman save), imported and unpacked.
podman --root "$W/podman-vfs/root" --runroot "$W/podman-vfs/run" --storage-driver vfs \
  save -q --format docker-archive -o "$W/app.docker.tar" localhost/h22/app:1
containerd_engine containerd-overlayfs
# ---------------------------------------------------------------- MANIFEST.md
{
cat <<EOF
# Engine data roots for strata

Generated by \`make-fixtures.sh\` (this directory) with the real engines; do not edit by hand.
Every file but the \`*.root.tar.zst\` is an engine's own, unedited answer.

- Docker Engine $(cat docker-overlay2.version.txt) (dockerd, storage drivers overlay2 and vfs, two private daemons; legacy builder)
- podman $(cat podman-overlay.version.txt) (storage drivers overlay and vfs, private --root/--runroot; runc)
- $(cat containerd-overlayfs.version.txt) (private daemon, snapshotter overlayfs; image: podman save of the vfs store's image)
- kernel $(uname -r), backing file system $(stat -f -c %T "$W"), overlay redirect_dir=$(cat /sys/module/overlay/parameters/redirect_dir 2>/dev/null || echo '?')

Each root holds the image h22/app:1 (a busybox rootfs, then: files and a symlink; two deletions;
a directory removed and made again) and the containers edit, recreate, rename, types, noop
(stopped) and live (running when captured; containerd keeps no task state in its root).

| file | what |
| --- | --- |
| \`<engine>.root.tar.zst\` | the data root: GNU tar --format=posix --xattrs --xattrs-include='*', zstd --long=24; logs, work/ and merged/ left out |
| \`<engine>.<container>.diff.txt\` | \`docker diff\` / \`podman diff\` of the container, sorted |
| \`<engine>.<container>.diff-error.txt\` | podman diff's error, where it fails |
| \`<engine>.<container>.snapshot-diff.txt\` | the names in \`ctr snapshots diff <container>\`'s tar, sorted |
| \`<engine>.containers.json\` | \`docker container inspect --size\` / \`podman container inspect --size\` / \`ctr containers info\` of every container |
| \`<engine>.images.json\` | \`docker image inspect\` / \`podman image inspect\` of base and app |
| \`<engine>.ps.jsonl\`, \`.ps.json\` | \`docker ps -a --size\` / \`podman ps -a --size\` |
| \`<engine>.images.jsonl\`, \`.images-ls.json\`, \`.images-ls.txt\` | \`docker images\` / \`podman images\` / \`ctr images ls\` |
| \`containerd-overlayfs.snapshots-*.txt\`, \`.tasks-ls.txt\` | \`ctr snapshots ls\`, \`ctr snapshots usage\`, \`ctr tasks ls\` |

## Sizes

| file | bytes |
| --- | ---: |
EOF
for f in ./*.root.tar.zst; do printf '| `%s` | %s |\n' "$(basename "$f")" "$(stat -c %s "$f")"; done
} > MANIFEST.md
say "done: $(du -cb ./*.root.tar.zst | tail -1 | cut -f1) bytes of roots in $HERE"
