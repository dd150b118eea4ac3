#!/usr/bin/env bash
# make-fixtures.sh — build strata's fixtures for the archives OTHER tools write (podman,
# buildah's builder inside podman, containerd's ctr, skopeo, umoci), with the real tools, and
# record the tools' own answers beside them (podman history/inspect/diff, skopeo
# inspect --raw/--config, ctr images ls, umoci stat), so tests compare strata against them.
#
# Everything is written into the directory holding this script (testdata/tools/). Re-running
# removes and recreates every output. Nothing outside a private temp directory is touched:
# podman runs with its own --root/--runroot (storage driver vfs), and a private containerd
# daemon is started with its own root, state and socket, and stopped at the end.
#
# The base is a `podman import` of a tiny rootfs assembled here from the committed static
# busybox of testdata/docker/images/base (250 KB); BUSYBOX=/bin/busybox also works.
#
# Requirements (Debian packages): podman (with runc/crun, conmon), buildah, containerd (ctr),
# skopeo, umoci, jq, GNU tar; the kernel's overlayfs (the opaque-whiteout image). Run as root:   bash testdata/tools/make-fixtures.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
export LC_ALL=C
BUSYBOX=${BUSYBOX:-$HERE/../docker/images/base/busybox}
FIXED_MTIME=1700000000 # 2023-11-14T22:13:20Z, for the base rootfs

die() { echo "make-fixtures: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

for t in podman buildah ctr containerd skopeo umoci jq; do
  command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install podman containerd skopeo umoci jq)"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar required"
[ -x "$BUSYBOX" ] || die "static busybox not found at $BUSYBOX"

WORK=$(mktemp -d /tmp/strata-tools.XXXXXX)
CTRD_PID=
cleanup() {
  [ -n "$CTRD_PID" ] && kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
  # vfs layers can be read-only; podman's own cleanup first, then the tree
  podman "${PODMAN_OPTS[@]}" system reset -f >/dev/null 2>&1 || true
  umount "$WORK"/overlay/root/overlay/*/merged 2>/dev/null || true
  rm -rf "$WORK"
}
PODMAN_OPTS=(--root "$WORK/podman/root" --runroot "$WORK/podman/run" --storage-driver vfs
             --cgroup-manager cgroupfs --events-backend file)
trap cleanup EXIT
P() { podman "${PODMAN_OPTS[@]}" "$@"; }
# runc refuses podman's default rlimits in an unprivileged session; ask for modest ones.
RUNOPTS=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# ---------------------------------------------------------------- clean
say "removing previous outputs"
rm -rf ./*.tar ./*.json ./*.jsonl ./*.txt ./*-dir ./*.umoci ./MANIFEST.md

# ---------------------------------------------------------------- base (podman import)
say "assembling base rootfs from $BUSYBOX"
R=$WORK/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/root" "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
chmod 0755 "$R/bin/busybox"
ln "$R/bin/busybox" "$R/bin/busybox.hl" # a hardlink: size is what the target has
for a in sh ls rm mkdir cp mv chmod ln echo cat touch printf true sleep; do
  ln -s busybox "$R/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
chmod 0644 "$R/etc/passwd"
chmod 0755 "$R" "$R/bin" "$R/etc"
chmod 0700 "$R/root"
chmod 1777 "$R/tmp"
find "$R" -exec touch -h -d "@$FIXED_MTIME" {} +
tar -C "$R" --sort=name --numeric-owner --owner=0 --group=0 --format=gnu -cf base.rootfs.tar .
sha256sum base.rootfs.tar | cut -c1-64 | sed 's/^/sha256:/' > base.rootfs.sha256.txt

say "podman import -> localhost/strata-tools/base:1"
P import -q base.rootfs.tar localhost/strata-tools/base:1 >/dev/null

# ---------------------------------------------------------------- builds (podman build = buildah)
mkdir -p "$WORK/app" "$WORK/sibling"
cat > "$WORK/app/Containerfile" <<'EOF'
FROM localhost/strata-tools/base:1
RUN mkdir -p /app && echo hello > /app/greeting && ln /app/greeting /app/greeting.hl && rm /bin/cp
RUN echo 'mode = prod' > /app/app.conf && mkdir /app/data
ENV MODE=prod
CMD ["/bin/sh"]
EOF
cat > "$WORK/sibling/Containerfile" <<'EOF'
FROM localhost/strata-tools/base:1
RUN mkdir -p /srv/sibling && echo other > /srv/sibling/file && rm /bin/mv
CMD ["/bin/sh"]
EOF
for n in app sibling; do
  say "podman build -> localhost/strata-tools/$n:1"
  P build -q --pull=never "${RUNOPTS[@]}" -t "localhost/strata-tools/$n:1" "$WORK/$n" >/dev/null
done

for n in base app sibling; do
  P history --no-trunc --format '{{json .}}' "localhost/strata-tools/$n:1" > "$n.podman-history.jsonl"
  P image inspect "localhost/strata-tools/$n:1" > "$n.podman-inspect.json"
done

# ---------------------------------------------------------------- podman save, every format
say "podman save"
P save -q --format docker-archive -o app.docker.tar localhost/strata-tools/app:1
P save -q --format docker-archive -o sibling.docker.tar localhost/strata-tools/sibling:1
P save -q --format docker-dir -o app.docker-dir localhost/strata-tools/app:1
tar -C app.docker-dir --sort=name -cf app.docker-dir.tar .

say "podman manifest push --all dir: (an index: app as linux/amd64, base as linux/arm64)"
P manifest create localhost/strata-tools/list:1 >/dev/null
P manifest add localhost/strata-tools/list:1 containers-storage:localhost/strata-tools/app:1 >/dev/null
P manifest add --arch arm64 localhost/strata-tools/list:1 containers-storage:localhost/strata-tools/base:1 >/dev/null
P manifest push -q --all localhost/strata-tools/list:1 "dir:$HERE/app.list-dir"
skopeo inspect --raw dir:app.list-dir > app.list-dir.skopeo-raw.json

say "skopeo copy dir: (OCI manifest, gzip layers)"
skopeo --insecure-policy copy -q --format oci --dest-compress \
  docker-archive:app.docker.tar dir:app.oci-dir
for d in app.docker-dir app.oci-dir; do
  skopeo inspect --raw "dir:$d" > "$d.skopeo-raw.json"
  skopeo inspect --config "dir:$d" > "$d.skopeo-config.json"
done

# ---------------------------------------------------------------- containers
sleep 1.1 # every change of the container shows in whole-second mtimes too
say "podman run app-ctr"
P run "${RUNOPTS[@]}" --name app-ctr localhost/strata-tools/app:1 sh -c '
set -e
echo written > /root/new.txt
echo more >> /app/app.conf
rm /app/greeting
mkdir -p /var/cache/x && echo y > /var/cache/x/y
' >/dev/null
P export -o app-ctr.export.tar app-ctr
P diff app-ctr | LC_ALL=C sort > app-ctr.podman-diff.txt
P container inspect app-ctr > app-ctr.podman-inspect.json

# ---------------------------------------------------------------- overlay: real opaque whiteouts
# With the overlay driver, a directory removed and recreated in one RUN is stored as an opaque
# directory (.wh..wh..opq), which vfs never writes. Built with buildah itself.
say "buildah bud (overlay) -> localhost/strata-tools/opaque:1"
OVERLAY_OPTS=(--root "$WORK/overlay/root" --runroot "$WORK/overlay/run" --storage-driver overlay)
O() { podman "${OVERLAY_OPTS[@]}" --cgroup-manager cgroupfs --events-backend file "$@"; }
O import -q base.rootfs.tar localhost/strata-tools/base:1 >/dev/null
mkdir -p "$WORK/opaque"
cat > "$WORK/opaque/Containerfile" <<'EOF'
FROM localhost/strata-tools/base:1
RUN mkdir -p /opt/d/sub && echo old > /opt/d/old && echo k > /opt/d/sub/k && echo keep > /opt/keep
RUN rm -rf /opt/d && mkdir /opt/d && echo new > /opt/d/new
CMD ["/bin/sh"]
EOF
buildah "${OVERLAY_OPTS[@]}" bud -q --layers --pull=never "${RUNOPTS[@]}" -t localhost/strata-tools/opaque:1 "$WORK/opaque" >/dev/null
O save -q --format docker-archive -o opaque.docker.tar localhost/strata-tools/opaque:1
O history --no-trunc --format '{{json .}}' localhost/strata-tools/opaque:1 > opaque.podman-history.jsonl
O image inspect localhost/strata-tools/opaque:1 > opaque.podman-inspect.json
sleep 1.1
O run "${RUNOPTS[@]}" --name opaque-ctr localhost/strata-tools/opaque:1 sh -c 'echo x > /opt/d/x' >/dev/null
O export -o opaque-ctr.export.tar opaque-ctr
O diff opaque-ctr | LC_ALL=C sort > opaque-ctr.podman-diff.txt
O rm -f opaque-ctr >/dev/null
O system reset -f >/dev/null 2>&1 || true

# ---------------------------------------------------------------- containerd (private daemon)
say "starting a private containerd"
C=$WORK/containerd
mkdir -p "$C"
cat > "$C/config.toml" <<EOF
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$C/containerd.sock"
[ttrpc]
  address = "$C/containerd.sock.ttrpc"
EOF
containerd --config "$C/config.toml" >"$C/log" 2>&1 &
CTRD_PID=$!
CTR=(ctr -a "$C/containerd.sock" -n strata)
for _ in $(seq 50); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
"${CTR[@]}" version >/dev/null || { cat "$C/log" >&2; die "containerd did not start"; }

say "ctr images import / export"
"${CTR[@]}" images import --no-unpack app.docker.tar >/dev/null
"${CTR[@]}" images ls > app.ctr-images-ls.txt
CTR_DIGEST=$("${CTR[@]}" images ls | awk '$1 == "localhost/strata-tools/app:1" {print $3}')
"${CTR[@]}" content get "$CTR_DIGEST" > app.ctr-manifest.json
"${CTR[@]}" images export app.ctr.tar localhost/strata-tools/app:1
"${CTR[@]}" images export --platform linux/amd64 app.ctr-platform.tar localhost/strata-tools/app:1
"${CTR[@]}" images export --skip-manifest-json app.ctr-skip-manifest.tar localhost/strata-tools/app:1
# Docker's gzip media types, as a containerd-store Docker keeps them: skopeo writes a v2s2
# manifest with gzip layers to dir:, whose files become an OCI layout for ctr to import.
skopeo --insecure-policy copy -q --format v2s2 --dest-compress docker-archive:app.docker.tar "dir:$WORK/v2gz"
mkdir -p "$WORK/v2gz-oci/blobs/sha256"
for f in "$WORK"/v2gz/*; do
  case $(basename "$f") in manifest.json|version) ;; *) cp "$f" "$WORK/v2gz-oci/blobs/sha256/";; esac
done
GZ_MAN=$(sha256sum "$WORK/v2gz/manifest.json" | cut -c1-64)
cp "$WORK/v2gz/manifest.json" "$WORK/v2gz-oci/blobs/sha256/$GZ_MAN"
printf '{"imageLayoutVersion":"1.0.0"}' > "$WORK/v2gz-oci/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"localhost/strata-tools/app-gzip:1"}}]}' \
  "$GZ_MAN" "$(stat -c %s "$WORK/v2gz/manifest.json")" > "$WORK/v2gz-oci/index.json"
tar -C "$WORK/v2gz-oci" -cf "$WORK/v2gz-oci.tar" .
"${CTR[@]}" images import --no-unpack "$WORK/v2gz-oci.tar" >/dev/null
"${CTR[@]}" images ls > app-gzip.ctr-images-ls.txt
"${CTR[@]}" content get "sha256:$GZ_MAN" > app-gzip.ctr-manifest.json
"${CTR[@]}" images export app-gzip.ctr.tar localhost/strata-tools/app-gzip:1
CTR_PLATFORM_SAME=0
if cmp -s app.ctr.tar app.ctr-platform.tar; then
  CTR_PLATFORM_SAME=1 # containerd 1.6 writes the same bytes: keep one
  rm app.ctr-platform.tar
fi
kill "$CTRD_PID"; wait "$CTRD_PID" 2>/dev/null || true; CTRD_PID=

# ---------------------------------------------------------------- umoci
say "umoci insert (a layer without end-of-archive blocks)"
skopeo --insecure-policy copy -q docker-archive:app.docker.tar oci:app.umoci:app
printf 'inserted\n' > "$WORK/note.txt"
touch -d "@$FIXED_MTIME" "$WORK/note.txt"
umoci insert --image app.umoci:app "$WORK/note.txt" /app/note.txt
umoci stat --image app.umoci:app --json > app.umoci.stat.json
umoci gc --layout app.umoci
tar -C app.umoci --sort=name -cf app.umoci.tar .

# ---------------------------------------------------------------- MANIFEST.md
say "writing MANIFEST.md"
hsize() { if [ -d "$1" ]; then du -sb "$1" | cut -f1; else stat -c %s "$1"; fi; }
row() { printf '| `%s` | %s | %s |\n' "$1" "$(hsize "$1")" "$2"; }
{
cat <<EOF
# Fixtures written by other tools

Generated by \`make-fixtures.sh\` (this directory) with the real tools; do not edit by hand.
Every \`*.podman-*\`, \`*.skopeo-*\`, \`*.ctr-images-ls.txt\` and \`*.umoci.stat.json\` file is the
tool's own, unedited answer.

- $(podman --version), storage driver vfs (private --root), builder: podman build (buildah)
- $(ctr --version) (private daemon)
- $(skopeo --version); $(umoci --version)
- base rootfs: GNU tar of a busybox tree (mtime $FIXED_MTIME), with \`bin/busybox.hl\` a hardlink of \`bin/busybox\`

## Files

| file | bytes | what / how |
| --- | ---: | --- |
EOF
row base.rootfs.tar "rootfs tarball; \`podman import\` of it is \`localhost/strata-tools/base:1\`"
row base.rootfs.sha256.txt "\`sha256sum base.rootfs.tar\`: the diff_id podman import recorded (see base.podman-inspect.json)"
for n in base app sibling; do
  row $n.podman-history.jsonl "\`podman history --no-trunc --format '{{json .}}' localhost/strata-tools/$n:1\`"
  row $n.podman-inspect.json "\`podman image inspect localhost/strata-tools/$n:1\`"
done
row app.docker.tar "\`podman save --format docker-archive\` of app"
row sibling.docker.tar "\`podman save --format docker-archive\` of sibling (FROM the same base as app)"
row app.docker-dir "\`podman save --format docker-dir\` of app: containers/image \`dir:\` layout, v2s2 manifest, uncompressed layers"
row app.docker-dir.tar "\`tar -C app.docker-dir -cf app.docker-dir.tar .\`"
row app.list-dir "\`podman manifest push --all localhost/strata-tools/list:1 dir:app.list-dir\`: manifest.json is an OCI index (app as linux/amd64, base added with \`--arch arm64\`), instances in \`<hex>.manifest.json\`"
row app.list-dir.skopeo-raw.json "\`skopeo inspect --raw dir:app.list-dir\` (the index)"
row app.oci-dir "\`skopeo copy --format oci --dest-compress docker-archive:app.docker.tar dir:app.oci-dir\`: OCI manifest, gzip layers"
for d in app.docker-dir app.oci-dir; do
  row $d.skopeo-raw.json "\`skopeo inspect --raw dir:$d\`"
  row $d.skopeo-config.json "\`skopeo inspect --config dir:$d\`"
done
row app-ctr.export.tar "\`podman export\` of container app-ctr (from app, stopped)"
row app-ctr.podman-diff.txt "\`podman diff app-ctr | LC_ALL=C sort\`"
row app-ctr.podman-inspect.json "\`podman container inspect app-ctr\`"
row opaque.docker.tar "\`buildah bud\` with the overlay driver (\`rm -rf /opt/d && mkdir /opt/d\` in one RUN: an opaque whiteout \`opt/d/.wh..wh..opq\`), \`podman save\`"
row opaque.podman-history.jsonl "\`podman history --no-trunc --format '{{json .}}' localhost/strata-tools/opaque:1\`"
row opaque.podman-inspect.json "\`podman image inspect localhost/strata-tools/opaque:1\`"
row opaque-ctr.export.tar "\`podman export\` of container opaque-ctr (overlay; wrote /opt/d/x)"
row opaque-ctr.podman-diff.txt "\`podman diff opaque-ctr | LC_ALL=C sort\`"
row app.ctr-images-ls.txt "\`ctr images ls\` after \`ctr images import --no-unpack app.docker.tar\`"
row app.ctr-manifest.json "\`ctr content get <digest ctr images ls shows>\`: the image's manifest as containerd stores it"
row app.ctr.tar "\`ctr images export app.ctr.tar localhost/strata-tools/app:1\`$( [ $CTR_PLATFORM_SAME = 1 ] && echo '; with \`--platform linux/amd64\` ctr writes the same bytes (checked with cmp)')"
[ -f app.ctr-platform.tar ] && row app.ctr-platform.tar "\`ctr images export --platform linux/amd64\`"
row app-gzip.ctr.tar "\`ctr images export\` of localhost/strata-tools/app-gzip:1: app with Docker's gzip media types (\`skopeo copy --format v2s2 --dest-compress … dir:\`, its files laid out as an OCI layout for \`ctr images import\`)"
row app-gzip.ctr-manifest.json "\`ctr content get\` of its manifest"
row app-gzip.ctr-images-ls.txt "\`ctr images ls\` after importing it"
row app.ctr-skip-manifest.tar "\`ctr images export --skip-manifest-json\`: manifest.json has RepoTags null; the name is only in index.json's annotations"
row app.umoci "\`skopeo copy docker-archive:app.docker.tar oci:app.umoci:app\` then \`umoci insert --image app.umoci:app note.txt /app/note.txt\`: the new layer has no end-of-archive blocks (nor the last entry's padding)"
row app.umoci.tar "\`tar -C app.umoci -cf app.umoci.tar .\`"
row app.umoci.stat.json "\`umoci stat --image app.umoci:app --json\`"
cat <<'EOF'

## Container app-ctr

`podman run --network none --name app-ctr localhost/strata-tools/app:1 sh -c '…'`: writes
`/root/new.txt`, appends to `/app/app.conf`, removes `/app/greeting` (its hardlink
`/app/greeting.hl` keeps the content), creates `/var/cache/x/y`. `podman diff`:

```
EOF
cat app-ctr.podman-diff.txt
echo '```'
} > MANIFEST.md

# ---------------------------------------------------------------- verify
say "verifying"
for f in ./*.tar; do tar -tf "$f" >/dev/null || die "$f is not a tar"; done
for f in ./*.json; do jq -e . "$f" >/dev/null || die "$f is not JSON"; done
[ -s app-ctr.podman-diff.txt ] || die "podman diff is empty"
grep -q "$(cat base.rootfs.sha256.txt)" base.podman-inspect.json || die "podman import's diff_id is not the tar's sha256"
chmod -R u+rwX,go+rX,go-w .
say "done: $(du -sh . | cut -f1) in $HERE"
