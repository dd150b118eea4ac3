#!/usr/bin/env bash
# make-oracles.sh — record each ecosystem's own tool ordering every pair of the versions
# listed in *.versions, as "A<TAB>B<TAB>-1|0|1" lines in *.want, for version_test.go.
#
#   deb    dpkg --compare-versions (Debian's dpkg)
#   rpm    rpm's own rpm.vercmp (rpm --eval with its embedded Lua; Debian's rpm 4.18)
#   python packaging.version.Version (Debian's python3-packaging, /usr/bin/python3)
#   npm    node-semver's semver.compare (the semver package from the npm registry, installed
#          into a temporary directory with npm)
#   java   Maven's org.apache.maven.artifact.versioning.ComparableVersion (Debian's
#          libmaven3-core-java: /usr/share/java/maven-artifact-3.x.jar), driven by jshell
#   apk    apk.want is apk-tools' own test data (test/version.data), as shipped in the Go
#          module github.com/knqyf263/go-apk-version (go mod download; see below)
#
# Requirements: dpkg, rpm, python3-packaging, node + npm, openjdk (jshell), libmaven3-core-java, go.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

pairs() { # every ordered pair of the lines of $1
  mapfile -t V < "$1"
  for a in "${V[@]}"; do for b in "${V[@]}"; do printf '%s\t%s\n' "$a" "$b"; done; done
}

# deb
pairs dpkg.versions | while IFS=$'\t' read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then r=-1
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then r=0
  else r=1; fi
  printf '%s\t%s\t%s\n' "$a" "$b" "$r"
done > dpkg.want

# rpm: one rpm process evaluates every pair in Lua.
{
  echo '%{lua:'
  pairs rpm.versions | while IFS=$'\t' read -r a b; do
    printf 'print("%s\\t%s\\t" .. rpm.vercmp("%s", "%s") .. "\\n")\n' "$a" "$b" "$a" "$b"
  done
  echo '}'
} > "$WORK/vercmp.spec"
rpm --eval "$(cat "$WORK/vercmp.spec")" | sed '/^$/d' > rpm.want

# python
/usr/bin/python3 - pep440.versions > pep440.want <<'PY'
import sys
from packaging.version import Version
vs = [l.rstrip("\n") for l in open(sys.argv[1])]
for a in vs:
    for b in vs:
        x, y = Version(a), Version(b)
        print(f"{a}\t{b}\t{-1 if x < y else (0 if x == y else 1)}")
PY

# npm
(cd "$WORK" && npm install --silent --no-audit --no-fund semver@7.6.3 >/dev/null)
NODE_PATH="$WORK/node_modules" node -e '
const semver = require("semver"); const fs = require("fs");
const vs = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
for (const a of vs) for (const b of vs)
  console.log(`${a}\t${b}\t${semver.compare(a, b, {loose: true})}`);
' semver.versions > semver.want

# java (Maven)
{
  echo 'import org.apache.maven.artifact.versioning.ComparableVersion;'
  echo 'var vs = java.nio.file.Files.readAllLines(java.nio.file.Path.of("maven.versions"));'
  echo 'for (var a : vs) for (var b : vs) System.out.println(a + "\t" + b + "\t" + Integer.signum(new ComparableVersion(a).compareTo(new ComparableVersion(b))));'
  echo '/exit'
} > "$WORK/mvn.jsh"
jshell -q --class-path /usr/share/java/maven-artifact-3.x.jar "$WORK/mvn.jsh" > maven.want

# apk: apk-tools' test data, via the Go module that ships it.
DIR=$(cd "$WORK" && go mod download -json github.com/knqyf263/go-apk-version@v0.0.0-20200609155635-041fdbb8563f | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
cp "$DIR/version.data" apk.want
chmod 644 apk.want
wc -l *.want
