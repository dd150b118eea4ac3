#!/usr/bin/env bash
# make-fixtures.sh — build strata's Docker fixtures with a REAL Docker engine and record
# Docker's own answers (docker history / image inspect / docker diff / container inspect)
# beside the archives, so tests can compare strata against them.
#
# Everything is written into the directory holding this script (testdata/docker/).
# Re-running removes and recreates every output (and the strata-fixture/* images and
# strata-fixture-* containers in the engine). Inputs (committed): images/<name>/Dockerfile
# and the COPY sources next to them. The base image is a `docker import` of a tiny rootfs
# assembled here from a static busybox: by default the small committed build
# images/base/busybox (250 KB, see images/base/BUSYBOX.md); BUSYBOX=/bin/busybox (Debian's
# busybox-static, 1.9 MB) also works but makes every archive ~1.7 MB bigger.
#
# Requirements: docker CLI + a running engine reachable through DOCKER_HOST (or the default
# socket), skopeo, GNU tar, gzip, jq; zstd optional (kitchen.tar.zst is skipped without it).
# No registry access is needed: every image is built FROM the imported base.
#
# Starting a throw-away engine (as used to make the committed fixtures):
#
#   mkdir -p /tmp/dockerd
#   dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
#     --data-root /tmp/dockerd/root --exec-root /tmp/dockerd/exec \
#     -H unix:///tmp/dockerd/docker.sock >/tmp/dockerd.log 2>&1 &
#   export DOCKER_HOST=unix:///tmp/dockerd/docker.sock DOCKER_BUILDKIT=0
#   bash testdata/docker/make-fixtures.sh
#
# With --bridge=none every container must run with --network none (this script does).
# The legacy builder is used on purpose (DOCKER_BUILDKIT=0): one layer per RUN/COPY/WORKDIR,
# empty_layer history rows for ENV/LABEL/USER/EXPOSE/VOLUME/ENTRYPOINT/CMD.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"

export DOCKER_BUILDKIT=0
export LC_ALL=C
BUSYBOX=${BUSYBOX:-$HERE/images/base/busybox}
TAGP=strata-fixture          # image tags: strata-fixture/<name>:1
CTRP=strata-fixture-         # container names: strata-fixture-<name>
FIXED_MTIME=1700000000       # 2023-11-14T22:13:20Z, for the base rootfs and COPY sources
IMAGES=(base kitchen small small2)
CONTAINERS=(ctr-basic ctr-volume ctr-noop)

die() { echo "make-fixtures: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

# ---------------------------------------------------------------- preflight
command -v docker >/dev/null || die "docker CLI not found"
if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  cat >&2 <<EOF
make-fixtures: cannot reach a Docker engine (DOCKER_HOST=${DOCKER_HOST:-<unset>}).
Start one, for example:
  mkdir -p /tmp/dockerd
  dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \\
    --data-root /tmp/dockerd/root --exec-root /tmp/dockerd/exec \\
    -H unix:///tmp/dockerd/docker.sock >/tmp/dockerd.log 2>&1 &
  export DOCKER_HOST=unix:///tmp/dockerd/docker.sock DOCKER_BUILDKIT=0
then re-run: bash $0
EOF
  exit 1
fi
command -v skopeo >/dev/null || die "skopeo not found (Debian: apt-get install skopeo)"
command -v jq >/dev/null || die "jq not found (Debian: apt-get install jq)"
command -v gzip >/dev/null || die "gzip not found"
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar required"
[ -x "$BUSYBOX" ] || die "static busybox not found at $BUSYBOX (see images/base/BUSYBOX.md, or BUSYBOX=/bin/busybox from busybox-static)"
"$BUSYBOX" true || die "$BUSYBOX does not run"
HAVE_ZSTD=0; command -v zstd >/dev/null && HAVE_ZSTD=1
if [ "$(docker info --format '{{.Driver}}' 2>/dev/null)" != vfs ]; then
  echo "make-fixtures: warning: storage driver is not vfs; NOTES.md was observed with vfs" \
       "(overlay2 writes opaque whiteouts, for one)" >&2
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- clean
say "removing previous containers, images and outputs"
for c in "${CONTAINERS[@]}"; do docker rm -f -v "${CTRP}${c}" >/dev/null 2>&1 || true; done
for ((i=${#IMAGES[@]}-1; i>=0; i--)); do
  docker image rm -f "${TAGP}/${IMAGES[i]}:1" >/dev/null 2>&1 || true
done
rm -rf ./*.tar ./*.tar.gz ./*.tar.zst ./*.jsonl ./*.json ./*.diff.txt ./kitchen.oci ./MANIFEST.md

# ---------------------------------------------------------------- base (docker import)
say "assembling base rootfs from $BUSYBOX"
R=$WORK/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/root" "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
chmod 0755 "$R/bin/busybox"
for a in sh ls rm mkdir cp mv chmod chown ln echo cat touch dd head printf true false \
         sleep id env stat find wc seq test; do
  ln -s busybox "$R/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' > "$R/etc/group"
chmod 0644 "$R/etc/passwd" "$R/etc/group"
chmod 0755 "$R" "$R/bin" "$R/etc"
chmod 0700 "$R/root"
chmod 1777 "$R/tmp"
find "$R" -exec touch -h -d "@$FIXED_MTIME" {} +
# GNU tar, "./"-prefixed names with a "./" root entry, like most hand-made import tarballs.
tar -C "$R" --sort=name --numeric-owner --owner=0 --group=0 --format=gnu -cf "$WORK/base-rootfs.tar" .
say "docker import -> ${TAGP}/base:1"
docker import - "${TAGP}/base:1" < "$WORK/base-rootfs.tar" >/dev/null

# ---------------------------------------------------------------- builds
# COPY keeps the source mtime: pin it so the COPY layers do not depend on checkout time.
find images/kitchen images/small images/small2 -type f ! -name Dockerfile ! -name '*.md' -exec touch -d "@$FIXED_MTIME" {} +
for n in kitchen small small2; do
  say "docker build (legacy builder) -> ${TAGP}/${n}:1"
  if ! docker build --no-cache --pull=false -t "${TAGP}/${n}:1" "images/$n" >"$WORK/build-$n.log" 2>&1; then
    cat "$WORK/build-$n.log" >&2
    die "build of $n failed"
  fi
done

# ---------------------------------------------------------------- per-image outputs
for n in "${IMAGES[@]}"; do
  say "save/history/inspect $n"
  docker save -o "$n.tar" "${TAGP}/${n}:1"
  docker history --no-trunc --human=false --format '{{json .}}' "${TAGP}/${n}:1" > "$n.history.jsonl"
  docker image inspect "${TAGP}/${n}:1" > "$n.inspect.json"
done

say "compressed copies of kitchen.tar"
gzip -n -9 -c kitchen.tar > kitchen.tar.gz
if [ "$HAVE_ZSTD" = 1 ]; then
  zstd -q -19 -c kitchen.tar > kitchen.tar.zst
else
  echo "make-fixtures: zstd not found, kitchen.tar.zst not made" >&2
fi

say "multi.tar (small + kitchen), untagged.tar (small by ID)"
docker save -o multi.tar "${TAGP}/small:1" "${TAGP}/kitchen:1"
SMALL_ID=$(docker image inspect --format '{{.Id}}' "${TAGP}/small:1")
docker save -o untagged.tar "$SMALL_ID"

say "skopeo copies of kitchen.tar"
SK=(skopeo --insecure-policy copy -q)
"${SK[@]}" docker-archive:kitchen.tar "oci-archive:kitchen.oci.tar:${TAGP}/kitchen:1"
"${SK[@]}" docker-archive:kitchen.tar "oci:kitchen.oci:${TAGP}/kitchen:1"
"${SK[@]}" docker-archive:kitchen.tar "docker-archive:kitchen.skopeo-docker.tar:${TAGP}/kitchen:1"

# ---------------------------------------------------------------- containers
# Let at least one whole second pass after the last build step, so that every change a
# container makes also shows in whole-second mtimes (docker export) and not only in content.
sleep 1.1

run_ctr() { # name image [docker run options...] -- command args...
  local name=$1 image=$2; shift 2
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  say "container $name from ${TAGP}/${image}:1"
  docker run --network none --name "${CTRP}${name}" "${opts[@]}" "${TAGP}/${image}:1" "$@" \
    >"$WORK/run-$name.log" 2>&1 || { cat "$WORK/run-$name.log" >&2; die "container $name failed"; }
  # the command has exited; make sure it is stopped either way
  docker stop "${CTRP}${name}" >/dev/null
  docker export -o "$name.export.tar" "${CTRP}${name}"
  docker diff "${CTRP}${name}" | LC_ALL=C sort > "$name.diff.txt"
  docker container inspect "${CTRP}${name}" > "$name.inspect.json"
}

# kitchen's ENTRYPOINT is ["/bin/sh","-c"], so the single argument is a shell script.
run_ctr ctr-basic kitchen --user 0:0 -- '
set -e
echo added > /opt/app/added.txt
echo "listen = 9999" >> /etc/app/app.conf
echo CCCCCCCC > /opt/app/samesize.txt
chmod 0700 /opt/app/hello.txt
chown 1000:1000 /opt/app/keep.txt
rm /opt/app/target1.txt
rm -rf /opt/app/lib
echo appended >> /opt/app/data/link.txt
echo scratch > /tmp/scratch.txt
mkdir -p /var/lib/newapp/sub
echo one > /var/lib/newapp/sub/one.txt
echo two > /var/lib/newapp/two.txt
'
run_ctr ctr-volume kitchen -v /data -- '
set -e
echo in-volume > /data/in-volume.txt
echo outside > /home/app/outside.txt
'
run_ctr ctr-noop small -- true

# ---------------------------------------------------------------- MANIFEST.md
say "writing MANIFEST.md"
ENGINE=$(docker version --format 'Engine {{.Server.Version}} (API {{.Server.APIVersion}}, {{.Server.Os}}/{{.Server.Arch}}), client {{.Client.Version}}')
DRIVER=$(docker info --format '{{.Driver}}')
SKOPEO=$(skopeo --version)
ZSTDV=$( [ "$HAVE_ZSTD" = 1 ] && zstd -V | head -1 | tr -d '*' | sed 's/^ *//; s/ *$//' || echo "zstd not installed")
hsize() { stat -c %s "$1"; }
dsize() { du -sb "$1" | cut -f1; }
img_of() { docker container inspect --format '{{.Config.Image}}' "${CTRP}$1"; }

{
cat <<EOF
# Docker fixtures for strata

Generated by \`make-fixtures.sh\` (this directory). Do not edit the outputs by hand; re-run the
script against a real engine instead. Every \`*.history.jsonl\`, \`*.inspect.json\` and
\`*.diff.txt\` file is Docker's own, unedited answer for the archive beside it.

- Engine: ${ENGINE}, storage driver \`${DRIVER}\`, legacy builder (DOCKER_BUILDKIT=0)
- ${SKOPEO}
- ${ZSTDV}; gzip -n -9
- busybox in the base: \`$("$BUSYBOX" 2>&1 | head -1 || true)\`, $(hsize "$BUSYBOX") bytes, sha256 \`$(sha256sum "$BUSYBOX" | cut -c1-64)\`

## Files

| file | bytes | what / how |
| --- | ---: | --- |
EOF
row() { printf '| `%s` | %s | %s |\n' "$1" "$(if [ -d "$1" ]; then dsize "$1"; else hsize "$1"; fi)" "$2"; }
for n in "${IMAGES[@]}"; do
  case $n in
    base) what="\`docker import\` of a busybox rootfs (one layer, history \`Imported from -\`)";;
    kitchen) what="\`images/kitchen/Dockerfile\`: every layer/config edge case";;
    small) what="\`images/small/Dockerfile\`: one RUN + CMD";;
    small2) what="\`images/small2/Dockerfile\`: FROM small, changes listed in \`images/small2/EXPECTED.md\`";;
  esac
  row "$n.tar" "\`docker save ${TAGP}/$n:1\` — $what"
  row "$n.history.jsonl" "\`docker history --no-trunc --human=false --format '{{json .}}' ${TAGP}/$n:1\`"
  row "$n.inspect.json" "\`docker image inspect ${TAGP}/$n:1\`"
done
row kitchen.tar.gz "\`gzip -n -9\` of kitchen.tar"
[ -f kitchen.tar.zst ] && row kitchen.tar.zst "\`zstd -19\` of kitchen.tar"
row multi.tar "\`docker save ${TAGP}/small:1 ${TAGP}/kitchen:1\` (two images, shared base layer stored once)"
row untagged.tar "\`docker save ${SMALL_ID}\` (the ID of ${TAGP}/small:1): RepoTags null, no \`repositories\`"
row kitchen.oci.tar "\`skopeo copy docker-archive:kitchen.tar oci-archive:kitchen.oci.tar:${TAGP}/kitchen:1\`"
row kitchen.oci "\`skopeo copy docker-archive:kitchen.tar oci:kitchen.oci:${TAGP}/kitchen:1\` (OCI layout directory)"
row kitchen.skopeo-docker.tar "\`skopeo copy docker-archive:kitchen.tar docker-archive:kitchen.skopeo-docker.tar:${TAGP}/kitchen:1\`"
for c in "${CONTAINERS[@]}"; do
  img=$(img_of "$c")
  row "$c.export.tar" "\`docker export\` of container \`${CTRP}$c\` (from \`$img\`, stopped)"
  row "$c.diff.txt" "\`docker diff ${CTRP}$c | LC_ALL=C sort\`$( [ -s "$c.diff.txt" ] || echo ' — empty: Docker reported no change')"
  row "$c.inspect.json" "\`docker container inspect ${CTRP}$c\`"
done

cat <<'EOF'

## Containers

Each was made with `docker run --network none --name strata-fixture-<name> ...`, ran to
completion (exit 0) and is stopped; then export, diff and inspect were recorded.

- `ctr-basic` — from `strata-fixture/kitchen:1`, `--user 0:0`, script (kitchen's ENTRYPOINT is
  `sh -c`): add `/opt/app/added.txt`; append to `/etc/app/app.conf`; same-size rewrite of
  `/opt/app/samesize.txt`; `chmod 0700 /opt/app/hello.txt`; `chown 1000:1000 /opt/app/keep.txt`;
  `rm /opt/app/target1.txt`; `rm -rf /opt/app/lib`; append to `/opt/app/data/link.txt` (hardlink
  of `/opt/app/data/orig.txt`); write `/tmp/scratch.txt`; create `/var/lib/newapp/sub/one.txt` and
  `/var/lib/newapp/two.txt`.
- `ctr-volume` — from `strata-fixture/kitchen:1`, as the image's user `app`, with `-v /data`
  (anonymous volume over the declared VOLUME): writes `/data/in-volume.txt` (into the volume,
  so absent from the export and the diff) and `/home/app/outside.txt`.
- `ctr-noop` — from `strata-fixture/small:1`, runs `true`.

EOF
for c in "${CONTAINERS[@]}"; do
  echo "\`docker diff\` of $c:"
  echo
  echo '```'
  if [ -s "$c.diff.txt" ]; then cat "$c.diff.txt"; else echo "(no output)"; fi
  echo '```'
  echo
done

echo "## kitchen history (docker history, newest first)"
echo
echo '| CreatedBy | Size |'
echo '| --- | ---: |'
jq -r 'if .CreatedBy == "" then "| (empty CreatedBy; Comment `" + .Comment + "`) | " + .Size + " |"
        else "| `" + (.CreatedBy | gsub("\\|"; "\\|") | gsub("\n"; " ") | if length > 110 then .[0:107] + "..." else . end) + "` | " + .Size + " |" end' kitchen.history.jsonl
echo
echo "Layers per archive manifest vs history rows:"
echo
for n in "${IMAGES[@]}"; do
  printf -- '- %s: %s layers, %s history rows (%s empty_layer)\n' "$n" \
    "$(jq '.[0].RootFS.Layers | length' "$n.inspect.json")" \
    "$(wc -l < "$n.history.jsonl" | tr -d ' ')" \
    "$(tar -xOf "$n.tar" "$(tar -xOf "$n.tar" manifest.json | jq -r '.[0].Config')" | jq '[.history[] | select(.empty_layer)] | length')"
done
echo
cat "$HERE/NOTES.md" 2>/dev/null || true
} > MANIFEST.md

# ---------------------------------------------------------------- verify
say "verifying recorded answers"
for f in ./*.inspect.json; do
  [ -s "$f" ] || die "$f is empty"
  jq -e 'type == "array" and length == 1' "$f" >/dev/null || die "$f is not a one-element JSON array"
done
for f in ./*.history.jsonl; do
  [ -s "$f" ] || die "$f is empty"
  jq -e -s 'length > 0 and all(.[]; type == "object" and has("CreatedBy") and has("Size"))' "$f" >/dev/null \
    || die "$f is not JSONL of history rows"
done
for c in "${CONTAINERS[@]}"; do
  [ -f "$c.diff.txt" ] || die "$c.diff.txt missing"
  grep -qvE '^[ACD] /' "$c.diff.txt" && die "$c.diff.txt has an unexpected line"
  [ -s "$c.export.tar" ] || die "$c.export.tar is empty"
done
[ -s ctr-basic.diff.txt ] || die "ctr-basic.diff.txt is empty"
for f in ./*.tar; do tar -tf "$f" >/dev/null || die "$f is not a tar"; done
gzip -t kitchen.tar.gz
[ ! -f kitchen.tar.zst ] || zstd -q -t kitchen.tar.zst
jq -e . kitchen.oci/index.json >/dev/null

chmod 0644 ./*.tar ./*.tar.gz ./*.tar.zst ./*.jsonl ./*.json ./*.diff.txt MANIFEST.md 2>/dev/null || true
chmod -R u+rwX,go+rX,go-w kitchen.oci
say "done: $(du -sh . | cut -f1) in $HERE"
ls -l >&2
