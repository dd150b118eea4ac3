#!/usr/bin/env bash
# make-fixtures.sh — build the Debian-based image strata's packages tests read, with the real
# tools, and record the tools' own answers beside it. Run as root on a Debian host:
#
#   export DOCKER_HOST=unix:///tmp/dockerd/docker.sock DOCKER_BUILDKIT=0
#   bash testdata/packages/make-fixtures.sh
#
# What it does (WORK is a temporary directory, removed at the end):
#  1. mmdebstrap --variant=minbase --include=python3 bookworm (fetched from Debian's mirror by
#     the host; containers have no network), then `docker import` as layer 0.
#  2. apt-get download, on the host, .debs from bookworm and (through a private apt
#     configuration under WORK) trixie, so that later layers can upgrade and downgrade.
#  3. Each later layer is `docker run --network none` of one command with the .debs (or the
#     app files) bind-mounted read-only, then `docker commit` (its history row's created_by
#     is that command):
#       1  dpkg -i hello (bookworm), python3-six 1.16 (bookworm), netbase 6.5 (trixie),
#          libcommons-cli-java (a jar with META-INF/maven/**/pom.properties)
#       2  dpkg -i sensible-utils 0.0.25 and python3-six 1.17 (trixie): upgrades
#       3  dpkg -i netbase 6.4 and sensible-utils 0.0.17+nmu1 (bookworm): downgrades
#       4  dpkg -r hello: a removal
#       5  an app: npm packages installed on the host by npm (debug 2.6.9 with its own ms
#          2.0.0 nested, ms 2.1.2, a scoped package), a Go binary built here (go-cmp
#          v0.6.0), a wheel built from src/pyfixture 1.0 and installed by pip --target
#       6  rm -rf /usr/share/doc/* (files the dpkg lists still name), the Go binary rebuilt
#          with go-cmp v0.7.0, ms 2.1.3 in place of 2.1.2, the wheel 1.1 in place of 1.0
#  4. For every image (after each layer) `docker run --network none IMAGE python3 -` of
#     oracle-in-image.py: dpkg-query -W / -L and importlib.metadata, as the image says them.
#  5. oracle-layers.py joins those with the layer tars of `docker save` of the last image:
#     debian.truth.json (per-layer package lists; per package bytes in the last image,
#     per layer, and shipped but hidden).
#  6. npm ls --all --parseable --long on the host's two app trees (npm.truth.txt), go version
#     -m of both Go binaries (go.truth.txt), the jar's pom.properties (java.truth.txt).
#  7. `go run ./internal/testgen/cmd/pkgshrink` keeps the package databases and metadata,
#     os-release, Go binaries' ELF headers and build info, jars and package.json whole, writes
#     zeros over every other file's content (sizes, names, modes, layering unchanged), fixes
#     the diff_ids and image ID, and the result is zstd-compressed: debian.tar.zst (~0.35 MB instead of
#     ~200 MB). The test checks go version -m of the shrunk binaries against go.truth.txt too.
#
# Requirements: docker (a running engine), mmdebstrap, apt-get, dpkg-deb, python3, npm, go, zstd,
# unzip, gzip. Image and container names start with $TAG (default h21-strata-pkgs).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TAG=${TAG:-h21-strata-pkgs}
export DOCKER_BUILDKIT=0 LC_ALL=C SOURCE_DATE_EPOCH=1700000000
WORK=$(mktemp -d)
trap 'docker rm -f "$TAG-step" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
say() { echo "==> $*" >&2; }

say "root filesystem (mmdebstrap minbase bookworm + python3)"
mmdebstrap --quiet --variant=minbase --include=python3 --aptopt='Acquire::Languages "none"' \
  bookworm "$WORK/rootfs.tar" http://deb.debian.org/debian
for i in 0 1 2 3 4 5 6; do docker rmi -f "$TAG:$i" >/dev/null 2>&1 || true; done
docker import --change 'CMD ["/bin/bash"]' -m "mmdebstrap --variant=minbase --include=python3 bookworm" \
  "$WORK/rootfs.tar" "$TAG:0" >/dev/null

say ".debs (bookworm from the host's sources, trixie through a private apt configuration)"
mkdir -p "$WORK/debs" "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/apt/etc/sources.list.d" "$WORK/apt/etc/preferences.d"
echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' > "$WORK/apt/etc/sources.list"
TRIXIE=(-o Dir::Etc="$WORK/apt/etc" -o Dir::State::Lists="$WORK/apt/lists" -o Dir::Cache="$WORK/apt/cache" -o APT::Architecture=amd64)
apt-get -qq "${TRIXIE[@]}" update
(cd "$WORK/debs" && chmod 777 . &&
  apt-get -qq download hello=2.10-3 python3-six=1.16.0-4 netbase=6.4 sensible-utils=0.0.17+nmu1 libcommons-cli-java=1.5.0-1 &&
  apt-get -qq "${TRIXIE[@]}" download netbase=6.5 sensible-utils=0.0.25 python3-six=1.17.0-1)
ls "$WORK/debs" >&2

say "app files: npm trees, Go binaries, wheels"
mkdir -p "$WORK/app5/opt/app" "$WORK/app6" "$WORK/npm5" "$WORK/npm6" "$WORK/app5/usr/local/bin" "$WORK/app6/usr/local/bin"
(cd "$WORK/npm5" && npm install --silent --no-audit --no-fund debug@2.6.9 ms@2.1.2 @isaacs/string-locale-compare@1.1.0 >/dev/null)
(cd "$WORK/npm6" && npm install --silent --no-audit --no-fund debug@2.6.9 ms@2.1.3 @isaacs/string-locale-compare@1.1.0 >/dev/null)
cp -a "$WORK/npm5/node_modules" "$WORK/app5/opt/app/"
cp -a "$WORK/npm6/node_modules/ms" "$WORK/app6/ms"
{ echo "# npm ls --all --parseable --long, layer 5 (the tree under /opt/app)"; (cd "$WORK/npm5" && npm ls --all --parseable --long | sed "s#^$WORK/npm5#/opt/app#")
  echo "# layer 6"; (cd "$WORK/npm6" && npm ls --all --parseable --long | sed "s#^$WORK/npm6#/opt/app#"); } > "$HERE/npm.truth.txt"
cp -r "$HERE/src/gohello" "$WORK/gohello"
(cd "$WORK/gohello" && go mod tidy >/dev/null 2>&1 && go get github.com/google/go-cmp@v0.6.0 >/dev/null 2>&1 &&
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w -buildid=' -o "$WORK/app5/usr/local/bin/gohello" . &&
  go get github.com/google/go-cmp@v0.7.0 >/dev/null 2>&1 &&
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags='-s -w -buildid=' -o "$WORK/app6/usr/local/bin/gohello" .)
{ echo "# go version -m, layer 5"; go version -m "$WORK/app5/usr/local/bin/gohello" | sed "s#^$WORK/app5##"
  echo "# layer 6"; go version -m "$WORK/app6/usr/local/bin/gohello" | sed "s#^$WORK/app6##"; } > "$HERE/go.truth.txt"
SITE=usr/local/lib/python3.11/dist-packages
for v in 1.0 1.1; do
  cp -r "$HERE/src/pyfixture" "$WORK/py-$v"
  sed -i "s/^version = .*/version = \"$v\"/" "$WORK/py-$v/pyproject.toml"
  /usr/bin/python3 -m pip wheel -q --no-deps --no-build-isolation -w "$WORK/wheels" "$WORK/py-$v"
done
/usr/bin/python3 -m pip install -q --no-deps --no-index --target "$WORK/app5/$SITE" "$WORK/wheels/strata_fixture_py-1.0-py3-none-any.whl"
/usr/bin/python3 -m pip install -q --no-deps --no-index --target "$WORK/app6/$SITE" "$WORK/wheels/strata_fixture_py-1.1-py3-none-any.whl"
find "$WORK/app5" "$WORK/app6" -name __pycache__ -prune -exec rm -rf {} +

say "layers"
step() { # step N COMMAND: run COMMAND on image N-1, commit as image N
  local n=$1; shift
  docker run --name "$TAG-step" --network none -v "$WORK/debs:/debs:ro" -v "$WORK/app5:/app5:ro" -v "$WORK/app6:/app6:ro" \
    "$TAG:$((n-1))" sh -c "$*" >&2
  docker commit -c 'CMD ["/bin/bash"]' "$TAG-step" "$TAG:$n" >/dev/null
  docker rm "$TAG-step" >/dev/null
}
step 1 'dpkg -i /debs/hello_2.10-3_amd64.deb /debs/python3-six_1.16.0-4_all.deb /debs/netbase_6.5_all.deb /debs/libcommons-cli-java_1.5.0-1_all.deb'
step 2 'dpkg -i /debs/sensible-utils_0.0.25_all.deb /debs/python3-six_1.17.0-1_all.deb'
step 3 'dpkg -i /debs/netbase_6.4_all.deb /debs/sensible-utils_0.0.17+nmu1_all.deb'
step 4 'dpkg -r hello'
step 5 'cp -a /app5/. /'
step 6 "rm -rf /usr/share/doc/* && cp /app6/usr/local/bin/gohello /usr/local/bin/gohello && rm -rf /opt/app/node_modules/ms && cp -a /app6/ms /opt/app/node_modules/ms && rm -rf /$SITE/strata_fixture_py /$SITE/strata_fixture_py-1.0.dist-info && cp -a /app6/$SITE/. /$SITE/"

say "the images' own answers"
for i in 0 1 2 3 4 5 6; do
  docker run --rm --network none -i "$TAG:$i" python3 - < "$HERE/oracle-in-image.py" > "$WORK/image$i.json"
done
docker tag "$TAG:6" strata-fixture/debian-packages:1
docker save strata-fixture/debian-packages:1 -o "$WORK/save.tar"
docker rmi strata-fixture/debian-packages:1 >/dev/null
python3 "$HERE/oracle-layers.py" "$WORK/save.tar" "$WORK"/image{0,1,2,3,4,5,6}.json > "$HERE/debian.truth.json"
dpkg-deb -x "$WORK/debs/libcommons-cli-java_1.5.0-1_all.deb" "$WORK/cli"
{ echo "# unzip -p /usr/share/java/commons-cli.jar META-INF/maven/commons-cli/commons-cli/pom.properties"
  unzip -p "$WORK/cli/usr/share/java/commons-cli.jar" META-INF/maven/commons-cli/commons-cli/pom.properties; } > "$HERE/java.truth.txt"

say "shrink and compress"
(cd "$ROOT" && go run ./internal/testgen/cmd/pkgshrink "$WORK/save.tar" "$WORK/small.tar")
# The shrunk Go binaries must still say what the originals said.
mkdir -p "$WORK/check" && (cd "$WORK/check" && tar -xf "$WORK/small.tar" && for l in */layer.tar; do
  if tar -xf "$l" usr/local/bin/gohello 2>/dev/null; then go version -m usr/local/bin/gohello | sed 1d; rm usr/local/bin/gohello; fi; done) > "$WORK/shrunk.txt"
grep -v '^#' "$HERE/go.truth.txt" | grep -v '^/' | diff - "$WORK/shrunk.txt" >&2 || { echo "shrunk Go binaries differ" >&2; exit 1; }
zstd -19 -q < "$WORK/small.tar" > "$HERE/debian.tar.zst"
ls -la "$HERE/debian.tar.zst" >&2
