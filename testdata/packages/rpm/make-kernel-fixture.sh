#!/usr/bin/env bash
# make-kernel-fixture.sh — an rpm image where a later layer installs a second version of an
# installonly package beside the first (as `dnf install kernel` does), made by rpm itself
# (Debian's rpm 4.18) and buildah (vfs storage of its own under a temporary directory).
# Run as root:
#
#   bash testdata/packages/rpm/make-kernel-fixture.sh
#
#  0  rpm --initdb; rpm -i strata-k-1.0-1
#  1  rpm -i strata-k-2.0-1                   (side by side: strata-k 1.0-1 stays installed)
# pushed as a docker-archive, xz-compressed: kernel.tar.xz; kernel.truth.txt: rpm -qa --root
# after each layer.
# Requirements: rpm, rpmbuild, buildah, xz.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
B=(buildah --root "$WORK/root" --runroot "$WORK/runroot" --storage-driver vfs)
cleanup() { "${B[@]}" rm -a >/dev/null 2>&1 || true; "${B[@]}" rmi -a -f >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C

for v in 1.0 2.0; do
  rpmbuild -bb --quiet --define "_topdir $WORK/rpmbuild" --define "pkg strata-k" --define "ver $v" --define "rel 1" \
    --define "bytes 2000" "$HERE/strata-fixture.spec" >/dev/null
done
R=$WORK/rpmbuild/RPMS/noarch
RPM=(rpm --dbpath /var/lib/rpm --nodeps --nosignature)
: > "$WORK/truth.txt"
layer() { # N FROM DESCRIPTION COMMAND...: run COMMAND on a container of FROM ($mnt its root), commit as N
  local n=$1 from=$2 desc=$3; shift 3
  ctr=$("${B[@]}" from "$from")
  mnt=$("${B[@]}" mount "$ctr")
  "$@"
  { echo "# image $n: $desc"; rpm --root "$mnt" --dbpath /var/lib/rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' | sort; } >> "$WORK/truth.txt"
  "${B[@]}" config --created-by "$desc" "$ctr"
  "${B[@]}" commit -q --rm "$ctr" "strata-rpm-k:$n" >/dev/null
}
l0() { mkdir -p "$mnt/var/lib/rpm"; rpm --dbpath /var/lib/rpm --root "$mnt" --initdb
  "${RPM[@]}" --root "$mnt" -i "$R"/strata-k-1.0-1.noarch.rpm 2>/dev/null; }
l1() { "${RPM[@]}" --root "$mnt" -i "$R"/strata-k-2.0-1.noarch.rpm 2>/dev/null; }
layer 0 scratch "rpm --initdb && rpm -i strata-k-1.0-1" l0
layer 1 strata-rpm-k:0 "rpm -i strata-k-2.0-1" l1
cp "$WORK/truth.txt" "$HERE/kernel.truth.txt"
rm -f "$HERE/kernel.tar.xz"
"${B[@]}" push -q strata-rpm-k:1 "docker-archive:$WORK/k.tar:strata-fixture/rpm-kernel:1" >/dev/null
xz -9 -T1 < "$WORK/k.tar" > "$HERE/kernel.tar.xz"
