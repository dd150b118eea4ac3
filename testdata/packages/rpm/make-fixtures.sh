#!/usr/bin/env bash
# make-fixtures.sh — rpm fixtures for strata's rpm reader, made by rpm itself (Debian's rpm
# 4.18, whose database is SQLite) and buildah (vfs storage of its own under a temporary
# directory). Run as root:
#
#   bash testdata/packages/rpm/make-fixtures.sh
#
#  1. rpmbuild -bb of strata-fixture.spec: strata-a 1.0-1 and 1.1-1, strata-b 2.0-1,
#     strata-c 1:0.5-1 (an epoch), strata-k 1.0-1 and 2.0-1 (installed side by side, as
#     rpm does for kernels).
#  2. An image of layers made with buildah from scratch, each `buildah mount` + rpm --root
#     on the mounted root + `buildah commit`:
#       0  rpm --initdb; rpm -i strata-a-1.0 strata-b-2.0 strata-c strata-k-1.0 strata-k-2.0
#       1  rpm -U strata-a-1.1                (an upgrade)
#       2  rpm -e strata-b                    (a removal)
#       3  rpm -U --oldpackage strata-a-1.0   (a downgrade)
#     pushed as a docker-archive, xz-compressed: rpm.tar.xz. rpm.truth.txt: for each image, rpm -qa --root
#     with name, epoch, version, release, arch, size, license and every file with its size.
#  3. wal/*.gz: a copy of the last database taken while a sqlite3 session holds it open with an
#     uncommitted-to-the-main-file change (a package's row deleted, autocheckpoint off), so
#     that rpmdb.sqlite-wal holds committed frames, as a layer can capture it; wal.truth.txt
#     is rpm -qa --dbpath on that copy (rpm reads the log through SQLite).
#  4. Other projects' databases with their expected answers, from Go modules
#     (go mod download): go-rpmdb's libuuid (Berkeley DB; truth: Debian's rpm -qa with
#     _db_backend bdb_ro; bdb.Packages.gz) and sle15-bci (NDB, gzip'd; truth: go-rpmdb's own test case,
#     which rpm has no NDB backend here to check).
# Requirements: rpm, rpmbuild, buildah, sqlite3, go, gzip.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
B=(buildah --root "$WORK/root" --runroot "$WORK/runroot" --storage-driver vfs)
cleanup() { "${B[@]}" rm -a >/dev/null 2>&1 || true; "${B[@]}" rmi -a -f >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C

build() { # NAME VERSION RELEASE BYTES [EPOCH]
  rpmbuild -bb --quiet --define "_topdir $WORK/rpmbuild" --define "pkg $1" --define "ver $2" --define "rel $3" \
    --define "bytes $4" ${5:+--define "ep $5"} "$HERE/strata-fixture.spec" >/dev/null
}
build strata-a 1.0 1 3000
build strata-a 1.1 1 5000
build strata-b 2.0 1 7000
build strata-c 0.5 1 1100 1
build strata-k 1.0 1 2000
build strata-k 2.0 1 2200
R=$WORK/rpmbuild/RPMS/noarch
RPM=(rpm --dbpath /var/lib/rpm --nodeps --nosignature)

truth() { # MOUNT LABEL
  echo "# $2"
  rpm --root "$1" --dbpath /var/lib/rpm -qa --qf '%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SIZE}\t%{LICENSE}\t%{SOURCERPM}\n' | sort
  for p in $(rpm --root "$1" --dbpath /var/lib/rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' | sort); do
    rpm --root "$1" --dbpath /var/lib/rpm -ql "$p" | while read -r f; do
      if [ -f "$1$f" ] && [ ! -L "$1$f" ]; then echo "file	$p	$f	$(stat -c %s "$1$f")"; fi
    done
  done
}

layer() { # N FROM FUNCTION DESCRIPTION: run FUNCTION on a container of FROM, commit as N
  local n=$1 from=$2 fn=$3 desc=$4
  ctr=$("${B[@]}" from "$from")
  mnt=$("${B[@]}" mount "$ctr")
  "$fn"
  truth "$mnt" "image $n: $desc" >> "$WORK/truth.txt"
  "${B[@]}" config --created-by "$desc" "$ctr"
  "${B[@]}" commit -q --rm "$ctr" "strata-rpm:$n" >/dev/null
}
root() { echo "$mnt"; }
l0() { mkdir -p "$mnt/var/lib/rpm"; rpm --dbpath /var/lib/rpm --root "$mnt" --initdb;
  "${RPM[@]}" --root "$mnt" -i "$R"/strata-a-1.0-1.noarch.rpm "$R"/strata-b-2.0-1.noarch.rpm "$R"/strata-c-0.5-1.noarch.rpm \
    "$R"/strata-k-1.0-1.noarch.rpm "$R"/strata-k-2.0-1.noarch.rpm; }
l1() { "${RPM[@]}" --root "$mnt" -U "$R"/strata-a-1.1-1.noarch.rpm; }
l2() { "${RPM[@]}" --root "$mnt" -e strata-b; }
l3() { "${RPM[@]}" --root "$mnt" -U --oldpackage "$R"/strata-a-1.0-1.noarch.rpm; }
: > "$WORK/truth.txt"
layer 0 scratch l0 "rpm --initdb && rpm -i strata-a-1.0-1 strata-b-2.0-1 strata-c-1:0.5-1 strata-k-1.0-1 strata-k-2.0-1"
layer 1 strata-rpm:0 l1 "rpm -U strata-a-1.1-1"
layer 2 strata-rpm:1 l2 "rpm -e strata-b"
layer 3 strata-rpm:2 l3 "rpm -U --oldpackage strata-a-1.0-1"
cp "$WORK/truth.txt" "$HERE/rpm.truth.txt"
rm -f "$HERE/rpm.tar.xz"
"${B[@]}" push -q strata-rpm:3 "docker-archive:$WORK/rpm.tar:strata-fixture/rpm:1" >/dev/null
xz -9 -T1 < "$WORK/rpm.tar" > "$HERE/rpm.tar.xz"

# WAL: copy the database while a session holds committed frames in the log.
ctr=$("${B[@]}" from strata-rpm:3); mnt=$("${B[@]}" mount "$ctr")
rm -rf "$HERE/wal" "$HERE/bdb"; mkdir -p "$WORK/db" "$HERE/wal"
cp "$mnt"/var/lib/rpm/rpmdb.sqlite "$WORK/db/"
( echo 'PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;'
  echo "DELETE FROM Packages WHERE hnum = (SELECT min(hnum) FROM Packages);"
  sleep 3 ) | sqlite3 "$WORK/db/rpmdb.sqlite" >/dev/null &
sleep 1.5
mkdir -p "$WORK/walcopy" && cp "$WORK/db/rpmdb.sqlite" "$WORK/db/rpmdb.sqlite-wal" "$WORK/walcopy/"
wait
test -s "$WORK/walcopy/rpmdb.sqlite-wal" || { echo "the WAL is empty" >&2; exit 1; }
for f in rpmdb.sqlite rpmdb.sqlite-wal; do gzip -9n < "$WORK/walcopy/$f" > "$HERE/wal/$f.gz"; done
rpm -qa --dbpath "$WORK/walcopy" --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' | sort > "$HERE/wal.truth.txt"

# Other projects' databases.
MOD=$(cd "$WORK" && go mod download -json github.com/knqyf263/go-rpmdb@v0.1.1 | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
mkdir -p "$WORK/bdb"
cp "$MOD/pkg/testdata/libuuid/Packages" "$WORK/bdb/Packages"; chmod 644 "$WORK/bdb/Packages"
gzip -9n < "$WORK/bdb/Packages" > "$HERE/bdb.Packages.gz"
rpm -qa --dbpath "$WORK/bdb" --define '_db_backend bdb_ro' --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' 2>/dev/null | sort > "$HERE/bdb.truth.txt"
gzip -9n < "$MOD/pkg/testdata/sle15-bci/Packages.db" > "$HERE/ndb.Packages.db.gz"
# go-rpmdb's expected list for it: {…, "NAME", "VERSION", "RELEASE", "ARCH", …} rows of SLE15WithNDB.
awk '/SLE15WithNDB = func/ {on=1} on && /^\t[A-Za-z0-9]+ = func/ && !/SLE15WithNDB/ {on=0} on' "$MOD/pkg/rpmdb_testcase_test.go" |
  sed -n 's/^[[:space:]]*{intRef([^)]*), "\([^"]*\)", "\([^"]*\)", "\([^"]*\)", "\([^"]*\)".*/\1-\2-\3.\4/p' | sort > "$HERE/ndb.truth.txt"
wc -l "$HERE"/*.truth.txt >&2
