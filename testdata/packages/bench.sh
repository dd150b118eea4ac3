#!/usr/bin/env bash
# bench.sh — strata packages against syft on a large Debian-based image built here, in one
# run: CPU time of each, and which layer each says installed each package against the truth.
# Nothing of it is committed but this script; syft is built from its Go module.
#
#   export DOCKER_HOST=unix:///tmp/dockerd/docker.sock
#   bash testdata/packages/bench.sh [WORKDIR]
#
# The image (tagged $TAG:bench, saved as WORKDIR/large.tar):
#   0  mmdebstrap --variant=minbase --include=python3 bookworm, docker import
#   1  dpkg -i of every .deb of mmdebstrap --include=python3,gcc,g++,make,git,curl,libllvm15,
#      perl,vim-tiny that layer 0 lacks (their closure: gcc, llvm, git, …)
#   2  dpkg -i hello (bookworm) and netbase 6.5 (trixie)
#   3  rm -rf /usr/share/doc /usr/share/man
# The truth of "installed in layer" is the construction: dpkg-query -W in each image.
# Requirements: docker, mmdebstrap, go, python3, /usr/bin/time.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=${1:-$(mktemp -d)}
TAG=${TAG:-h21-strata-bench}
SYFT_VERSION=${SYFT_VERSION:-v1.57.2}
mkdir -p "$W" && cd "$W"
export LC_ALL=C
say() { echo "==> $*" >&2; }

if [ ! -s large.tar ]; then
  say "root filesystems"
  [ -s base.tar ] || mmdebstrap --quiet --variant=minbase --include=python3 bookworm base.tar http://deb.debian.org/debian
  [ -s big.tar ] || mmdebstrap --quiet --variant=minbase --include=python3,gcc,g++,make,git,curl,libllvm15,perl,vim-tiny \
    --skip=cleanup/apt bookworm big.tar http://deb.debian.org/debian
  rm -rf debs1 debs2 && mkdir -p debs1 debs2 && chmod 777 debs2
  tar -xf big.tar -C debs1 --wildcards './var/cache/apt/archives/*.deb' --strip-components=5
  tar -xOf base.tar ./var/lib/dpkg/status | awk '/^Package: /{print $2}' | sort > base.pkgs
  for d in debs1/*.deb; do
    if grep -qx "$(dpkg-deb -f "$d" Package)" base.pkgs; then rm "$d"; fi
  done
  (cd debs2 && apt-get -qq download hello=2.10-3 && apt-get -qq download "netbase=6.4")
  say "layers"
  for i in 0 1 2 3; do docker rmi -f "$TAG:$i" >/dev/null 2>&1 || true; done
  docker import base.tar "$TAG:0" >/dev/null
  step() { local n=$1; shift
    docker run --name "$TAG-step" --network none -v "$W/debs1:/debs1:ro" -v "$W/debs2:/debs2:ro" "$TAG:$((n-1))" sh -c "$*" >/dev/null
    docker commit "$TAG-step" "$TAG:$n" >/dev/null; docker rm "$TAG-step" >/dev/null; }
  step 1 'dpkg -i /debs1/*.deb'
  step 2 'dpkg -i /debs2/*.deb'
  step 3 'rm -rf /usr/share/doc /usr/share/man'
  for i in 0 1 2 3; do
    docker run --rm --network none "$TAG:$i" dpkg-query -W -f '${Package}:${Architecture}\n' | sort > "dpkg$i.txt"
  done
  docker save "$TAG:3" -o large.tar
fi
[ -x bin/syft ] || GOBIN="$W/bin" GOFLAGS=-mod=mod go install "github.com/anchore/syft/cmd/syft@$SYFT_VERSION"
(cd "$ROOT" && go build -o "$W/bin/strata" .)
ls -la large.tar >&2

t() { # NAME COMMAND…: CPU seconds (user+sys) and peak RSS, the least of 3 runs
  local best=""
  for _ in 1 2 3; do
    /usr/bin/time -f '%U %S %M' -o time.txt "${@:2}" > "out.$1" 2>/dev/null
    local cpu; cpu=$(awk '{printf "%.2f", $1+$2}' time.txt)
    if [ -z "$best" ] || awk "BEGIN{exit !($cpu < ${best%% *})}"; then best="$cpu $(awk '{print int($3/1024)}' time.txt)"; fi
  done
  echo "$1 ${best% *} s CPU, ${best#* } MB"
}
{
  echo "# $(date -u +%FT%TZ) $(nproc) cores; image $(stat -c %s large.tar) bytes"
  t cat cat large.tar
  t inspect bin/strata inspect -o json large.tar
  t packages bin/strata packages -o json large.tar
  t syft env SYFT_CHECK_FOR_APP_UPDATE=false bin/syft scan -q -o syft-json docker-archive:large.tar
  t syft-all-layers env SYFT_CHECK_FOR_APP_UPDATE=false bin/syft scan -q --scope all-layers -o syft-json docker-archive:large.tar
} | tee results.txt
# Layer attribution of the dpkg packages: the truth is the first image whose dpkg-query lists it.
python3 - <<'PY' | tee -a results.txt
import json
truth = {}
for i in range(4):
    for line in open(f"dpkg{i}.txt"):
        truth.setdefault(line.strip(), i)
s = json.load(open("out.packages"))
strata = {f"{p['name']}:{p['architecture']}": p["layer"] for p in s["packages"] if p["ecosystem"] == "deb"}
diffs = [l["diff_id"] for l in s["layers"]]
def syft_layers(f):
    primary, lowest = {}, {}
    for a in json.load(open(f))["artifacts"]:
        if a["type"] != "deb":
            continue
        key = f"{a['name']}:{a.get('metadata', {}).get('architecture', '')}"
        for l in a["locations"]:
            if l.get("layerID") not in diffs:
                continue
            i = diffs.index(l["layerID"])
            lowest[key] = min(lowest.get(key, i), i)
            if l.get("annotations", {}).get("evidence") == "primary":
                primary.setdefault(key, set()).add(i)
    return primary, lowest
n = len(truth)
right = lambda m: sum(1 for k, l in truth.items() if m.get(k) == l)
print(f"dpkg packages: {n}; installed-in layer right: strata {right(strata)}/{n}")
for name, f in (("syft", "out.syft"), ("syft --scope all-layers", "out.syft-all-layers")):
    primary, lowest = syft_layers(f)
    one = {k: min(v) for k, v in primary.items()}
    rows = sum(len(v) for v in primary.values())
    print(f"{name}: the primary-evidence location's layer right {right(one)}/{n} ({rows} primary locations), "
          f"the lowest of its locations (its .list/.md5sums) right {right(lowest)}/{n}")
PY
# The same on the committed Debian fixture, where packages are upgraded, downgraded and
# removed: the truth is debian.truth.json (dpkg-query -W in every intermediate image).
zstd -dc "$HERE/debian.tar.zst" > fixture.tar
env SYFT_CHECK_FOR_APP_UPDATE=false bin/syft scan -q -o syft-json docker-archive:fixture.tar > out.fixture.syft 2>/dev/null
bin/strata packages -o json fixture.tar > out.fixture.packages
python3 - "$HERE/debian.truth.json" <<'PY' | tee -a results.txt
import json, sys
tr = json.load(open(sys.argv[1]))
states = [{p["name"] + ":" + p["architecture"]: p["version"] for p in l["dpkg"] if len(p["status"]) >= 2 and p["status"][1] not in "nc"} for l in tr["layers"]]
n = len(states)
inst, chg = {}, {}
for k in states[-1]:
    i = n - 1
    while i > 0 and k in states[i - 1]:
        i -= 1
    inst[k] = i
    chg[k] = max([j for j in range(i + 1, n) if states[j][k] != states[j - 1][k]], default=None)
s = json.load(open("out.fixture.packages"))
diffs = [l["diff_id"] for l in s["layers"]]
strata = {p["name"] + ":" + p["architecture"]: (p["layer"], p["changed"]["layer"] if p["changed"] else None) for p in s["packages"] if p["ecosystem"] == "deb"}
prim, low = {}, {}
art = json.load(open("out.fixture.syft"))["artifacts"]
for a in art:
    if a["type"] != "deb":
        continue
    k = a["name"] + ":" + a["metadata"].get("architecture", "")
    for l in a["locations"]:
        if l.get("layerID") in diffs:
            i = diffs.index(l["layerID"])
            low[k] = min(low.get(k, i), i)
            if l.get("annotations", {}).get("evidence") == "primary":
                prim[k] = i
N = len(inst)
ok = lambda m, t: sum(1 for k, v in t.items() if m(k) == v)
print(f"fixture: {N} dpkg packages; installed-in right: strata {ok(lambda k: strata.get(k, (None, None))[0], inst)}/{N}, "
      f"syft primary {ok(prim.get, inst)}/{N} (all in layer {sorted(set(prim.values()))}), syft lowest location {ok(low.get, inst)}/{N}; "
      f"last-changed layer right: strata {ok(lambda k: strata.get(k, (None, None))[1], chg)}/{N} (syft reports none); "
      f"removed packages: strata {len(s['removed'])}, syft 0")
PY
