#!/usr/bin/env bash
# make-fixtures.sh — a distroless-style image (no dpkg: one control stanza per package in
# /var/lib/dpkg/status.d/NAME and its file list in status.d/NAME.md5sums, as distroless's
# build writes them) from real Debian packages, imported by Docker:
#
#   export DOCKER_HOST=unix:///tmp/dockerd/docker.sock
#   bash testdata/packages/distroless/make-fixtures.sh
#
# base-files and netbase (bookworm) are fetched with apt-get download, unpacked with
# dpkg-deb -x; status.d/NAME is `dpkg-deb -f` (the control file), status.d/NAME.md5sums the
# package's md5sums (dpkg-deb -e). The tree is tarred, `docker import`ed and saved:
# distroless.tar.gz. distroless.truth.txt is dpkg-deb's word: each package's control
# fields, the paths its md5sums lists, and its regular files with their sizes (dpkg-deb -c).
# Requirements: docker, apt-get, dpkg-deb, tar, gzip.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TAG=${TAG:-h21-strata-distroless}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C
cd "$WORK" && chmod 777 .
apt-get -qq download base-files netbase
mkdir -p root/var/lib/dpkg/status.d
: > truth.txt
for deb in *.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  dpkg-deb -x "$deb" root
  dpkg-deb -f "$deb" > "root/var/lib/dpkg/status.d/$name"
  dpkg-deb -e "$deb" "ctl-$name"
  cp "ctl-$name/md5sums" "root/var/lib/dpkg/status.d/$name.md5sums"
  echo "package	$(dpkg-deb -f "$deb" Package Version Architecture Installed-Size | tr '\n' '\t' | sed 's/\t$//')" >> truth.txt
  sed "s#^[0-9a-f]*  #md5sums\t$name\t/#" "ctl-$name/md5sums" >> truth.txt
  dpkg-deb -c "$deb" | awk -v p="$name" '$1 ~ /^-/ {sub(/^\./, "", $6); print "file\t" p "\t" $6 "\t" $3}' >> truth.txt
done
tar -C root --numeric-owner -cf rootfs.tar .
docker rmi -f "$TAG:1" >/dev/null 2>&1 || true
docker import -m "distroless-style: dpkg-deb -x base-files netbase + status.d" rootfs.tar "$TAG:1" >/dev/null
docker save "$TAG:1" | gzip -9n > "$HERE/distroless.tar.gz"
docker rmi -f "$TAG:1" >/dev/null
cp truth.txt "$HERE/distroless.truth.txt"
ls -la "$HERE" >&2
