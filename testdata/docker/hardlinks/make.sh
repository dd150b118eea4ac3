#!/usr/bin/env bash
# make.sh — a busybox-style image whose applets are hardlinks, with hardlinks across layers,
# built by a real engine, and the engine's own answer about which paths share an inode.
#
# Layers, on top of ../base.tar (layer 0: the committed static busybox and symlinks to it):
#   layer 1 (layer1.tar): every applet path Debian's busybox-static installs
#     (`busybox --list-full`, linuxrc left out: bin/, sbin/, usr/bin/, usr/sbin/) and /bin/<applet> for every
#     applet, as hardlinks to bin/busybox of layer 0 (links across layers; the base's
#     symlinks of the same names are replaced); usr/lib/data.bin (3000 bytes) with
#     hardlinks usr/lib/data2.bin and opt/a/data.lnk in the same layer.
#   layer 2 (layer2.tar): bin/busybox overwritten by a 12-byte file (every applet link now
#     keeps the old binary's inode alone); usr/lib/data.bin deleted (its links keep it); a
#     hardlink srv/x.lnk to usr/lib/data2.bin of layer 1.
# Layer tars are written by python3's tarfile (GNU format, fixed mtimes, root-owned), the
# image is `docker load`ed and `docker save`d (gzip -n -9: hardlinks.tar.gz), and for the
# image of layers 0-1 and of layers 0-2 the engine's answer is recorded: inode, size and
# path of every regular file a container sees (engine.1.txt, engine.2.txt), from
# `find` (every top directory but /proc, /sys, /dev) and `stat` run inside it (--network
# none); Docker's runtime files (/etc/hosts, /etc/hostname, /etc/resolv.conf, /.dockerenv)
# are among them.
# Needs a running engine (see ../make-fixtures.sh), busybox-static (for the applet list),
# python3, GNU tar, jq, sha256sum, gzip. PREFIX (default strata-fixture) names the images.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
export LC_ALL=C
PREFIX=${PREFIX:-strata-fixture}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

busybox --list-full | grep / | grep -v '^bin/busybox$' | sort >"$work/applets"
python3 - "$work/applets" <<'PY'
import io, sys, tarfile
applets = [l.strip() for l in open(sys.argv[1]) if l.strip()]
paths = sorted(set(applets) | {"bin/" + a.rsplit("/", 1)[1] for a in applets})
def info(name, typ=tarfile.REGTYPE, size=0, mode=0o644, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.size, ti.mode, ti.linkname = typ, size, mode, link
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 1700000000, 0, 0, "", ""
    return ti
def write(name, members):
    with tarfile.open(name, "w", format=tarfile.GNU_FORMAT) as t:
        for ti, data in members:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
dirs = ["opt/", "opt/a/", "sbin/", "usr/", "usr/bin/", "usr/lib/", "usr/sbin/"]
data = bytes((i * 7 + 3) % 251 for i in range(3000))
m = [(info(d, tarfile.DIRTYPE, mode=0o755), None) for d in dirs]
m += [(info(p, tarfile.LNKTYPE, mode=0o755, link="bin/busybox"), None) for p in paths]
m += [(info("usr/lib/data.bin", size=len(data)), data),
      (info("usr/lib/data2.bin", tarfile.LNKTYPE, link="usr/lib/data.bin"), None),
      (info("opt/a/data.lnk", tarfile.LNKTYPE, link="usr/lib/data.bin"), None)]
write("layer1.tar", m)
small = b"not busybox\n"
write("layer2.tar", [
    (info("bin/busybox", size=len(small), mode=0o755), small),
    (info("usr/lib/.wh.data.bin"), b""),
    (info("srv/", tarfile.DIRTYPE, mode=0o755), None),
    (info("srv/x.lnk", tarfile.LNKTYPE, link="usr/lib/data2.bin"), None),
])
PY

# append layers to base.tar, as ../whwh/make.sh does: $1 output, $2… layer tars
assemble() {
  local out=$1 tag=$2; shift 2
  local a=$work/archive
  rm -rf "$a"; mkdir -p "$a"
  tar -C "$a" -xf ../base.tar
  local cfg parent
  cfg=$(jq -r '.[0].Config' "$a/manifest.json")
  parent=$(jq -r '.[0].Layers[0]' "$a/manifest.json"); parent=${parent%%/*}
  cp "$a/$cfg" "$work/cfg.json"
  jq -c '.[0]' "$a/manifest.json" >"$work/m.json"
  rm "$a/$cfg" "$a/repositories"
  local n=0
  for l in "$@"; do
    n=$((n+1))
    local diffid lid
    diffid=sha256:$(sha256sum "$l" | cut -d' ' -f1)
    lid=$(echo -n "$diffid $parent hardlinks" | sha256sum | cut -d' ' -f1)
    mkdir -p "$a/$lid"
    cp "$l" "$a/$lid/layer.tar"
    echo -n 1.0 >"$a/$lid/VERSION"
    jq -nc --arg id "$lid" --arg p "$parent" '{id:$id, parent:$p, created:"2023-11-14T22:13:20Z", container_config:{}, os:"linux"}' >"$a/$lid/json"
    jq -c --arg d "$diffid" --arg c "hardlinks layer $n" '.rootfs.diff_ids += [$d] | .history += [{"created":"2023-11-14T22:13:20Z","created_by":$c}]' \
      "$work/cfg.json" >"$work/cfg2.json" && mv "$work/cfg2.json" "$work/cfg.json"
    jq -c --arg l "$lid/layer.tar" '.Layers += [$l]' "$work/m.json" >"$work/m2.json" && mv "$work/m2.json" "$work/m.json"
    parent=$lid
  done
  local newcfg
  newcfg=$(sha256sum "$work/cfg.json" | cut -d' ' -f1).json
  cp "$work/cfg.json" "$a/$newcfg"
  jq -c --arg c "$newcfg" --arg t "$tag" '[. | .Config=$c | .RepoTags=[$t]]' "$work/m.json" >"$a/manifest.json"
  tar -C "$a" -cf "$out" .
}

# the engine's answer: inode, size and path of every regular file a container sees
answer() {
  docker run --rm --network none --entrypoint /bin/sh "$1" -c \
    'set -e; for d in /*; do case $d in /proc|/sys|/dev) ;; *) find "$d" -type f;; esac; done | sort |
     while read f; do stat -c "%i %s %n" "$f"; done'
}

T1=$PREFIX/hardlinks-1:1 T2=$PREFIX/hardlinks:1
docker rmi -f "$T1" "$T2" >/dev/null 2>&1 || true
assemble "$work/h1.tar" "$T1" layer1.tar
assemble "$work/h2.tar" "$T2" layer1.tar layer2.tar
docker load -i "$work/h1.tar" >&2
docker load -i "$work/h2.tar" >&2
{ docker version --format 'engine {{.Server.Version}}'; docker info --format 'storage driver {{.Driver}}'; } >engine.txt
answer "$T1" >engine.1.txt
answer "$T2" >engine.2.txt
docker save "$T2" | gzip -n -9 >hardlinks.tar.gz
docker rmi -f "$T1" "$T2" >/dev/null
rm layer1.tar layer2.tar
ls -l hardlinks.tar.gz engine.*.txt >&2
