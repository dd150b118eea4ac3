#!/usr/bin/env bash
# make.sh — ask the real engine what it does with `.wh..wh.` names that are not at the top of a
# layer. Builds layer.tar (GNU tar, fixed mtimes) holding files under `usr/.wh..wh.cache/`,
# `srv/.wh..wh.dir/` (with its directory entry), `opt/x/.wh..wh.plnk/` and top-level
# `.wh..wh.aufs`, `.wh..wh.plnk/…`, `.wh..wh.top/…`; appends it to ../base.tar as a second
# layer, `docker load`s the result, runs it (--network none) and records what the container
# shows in engine.txt (`find / -xdev` of the paths concerned, with types and modes).
# Needs a running engine (see ../make-fixtures.sh), GNU tar, jq, sha256sum.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
export LC_ALL=C
TAG=strata-fixture/whwh:1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- the layer
st=$work/stage
mkdir -p "$st/usr/.wh..wh.cache" "$st/srv/.wh..wh.dir" "$st/opt/x/.wh..wh.plnk" \
  "$st/.wh..wh.plnk" "$st/.wh..wh.top"
echo hidden >"$st/usr/.wh..wh.cache/secret"
echo dir >"$st/srv/.wh..wh.dir/f"
echo plnk >"$st/opt/x/.wh..wh.plnk/keep"
echo aufs >"$st/.wh..wh.aufs"
echo link >"$st/.wh..wh.plnk/123"
echo top >"$st/.wh..wh.top/file"
# Files without their parent directory entries, except srv/.wh..wh.dir/ (listed).
tar --format=gnu --numeric-owner --owner=0 --group=0 --mtime=@1700000000 --no-recursion \
  -C "$st" -cf layer.tar \
  usr/.wh..wh.cache/secret srv/.wh..wh.dir/ srv/.wh..wh.dir/f opt/x/.wh..wh.plnk/keep \
  .wh..wh.aufs .wh..wh.plnk/123 .wh..wh.top/file
diffid=sha256:$(sha256sum layer.tar | cut -d' ' -f1)

# ---- base.tar + the layer
a=$work/archive
mkdir -p "$a"
tar -C "$a" -xf ../base.tar
cfg=$(jq -r '.[0].Config' "$a/manifest.json")
base_layer=$(jq -r '.[0].Layers[0]' "$a/manifest.json")
lid=$(echo -n "$diffid whwh" | sha256sum | cut -d' ' -f1)
mkdir -p "$a/$lid"
cp layer.tar "$a/$lid/layer.tar"
echo -n 1.0 >"$a/$lid/VERSION"
jq -c --arg p "${base_layer%%/*}" --arg id "$lid" '{id:$id, parent:$p, created:"2023-11-14T22:13:20Z", container_config:{}, os:"linux"}' \
  "$a/$cfg" >"$a/$lid/json"
jq -c --arg d "$diffid" '.rootfs.diff_ids += [$d] | .history += [{"created":"2023-11-14T22:13:20Z","created_by":"whwh layer"}]' \
  "$a/$cfg" >"$work/cfg.json"
newcfg=$(sha256sum "$work/cfg.json" | cut -d' ' -f1).json
rm "$a/$cfg" "$a/repositories"
cp "$work/cfg.json" "$a/$newcfg"
jq -c --arg c "$newcfg" --arg l "$lid/layer.tar" --arg t "$TAG" '[.[0] | .Config=$c | .RepoTags=[$t] | .Layers += [$l]]' \
  "$a/manifest.json" >"$work/m.json"
mv "$work/m.json" "$a/manifest.json"
tar -C "$a" -cf "$work/whwh.tar" .

# ---- the engine's answer
docker rmi -f "$TAG" >/dev/null 2>&1 || true
docker load -i "$work/whwh.tar" >&2
docker version --format 'engine {{.Server.Version}}' >engine.txt
docker info --format 'storage driver {{.Driver}}' >>engine.txt
docker run --rm --network none "$TAG" sh -c \
  '{ busybox find /usr /srv /opt -path "*wh*"; for f in /.wh*; do echo "$f"; done; } | busybox sort -u |
   while read f; do busybox stat -c "%F %a %n" "$f" 2>&1; done' \
  >>engine.txt
docker rmi -f "$TAG" >/dev/null
cat engine.txt
