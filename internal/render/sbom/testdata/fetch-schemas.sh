#!/usr/bin/env bash
# fetch-schemas.sh — the official JSON schemas the SBOM tests validate against, taken from
# Go modules that vendor them (go mod download; nothing of their code is used) and stored
# gzip'd:
#   CycloneDX 1.6: bom-1.6.schema.json, and the spdx.schema.json (license ids) and
#     jsf-0.82.schema.json it refers to, from github.com/CycloneDX/cyclonedx-go (schema/),
#     the CycloneDX project's own Go library, as published by the CycloneDX specification.
#   SPDX 2.3: spdx-schema-2.3.json (spdx-spec's schemas/spdx-schema.json for 2.3, $id
#     http://spdx.org/rdf/terms/2.3) from github.com/anchore/syft (schema/spdx-json/).
#
#   bash internal/render/sbom/testdata/fetch-schemas.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dir() { (cd "$WORK" && go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); }
CDX=$(dir github.com/CycloneDX/cyclonedx-go@v0.12.0)
SYFT=$(dir github.com/anchore/syft@v1.57.2)
gzip -9n < "$CDX/schema/bom-1.6.schema.json" > "$HERE/bom-1.6.schema.json.gz"
gzip -9n < "$CDX/schema/spdx.schema.json" > "$HERE/spdx.schema.json.gz"
gzip -9n < "$CDX/schema/jsf-0.82.schemax.json" > "$HERE/jsf-0.82.schema.json.gz"
gzip -9n < "$SYFT/schema/spdx-json/spdx-schema-2.3.json" > "$HERE/spdx-schema-2.3.json.gz"
ls -la "$HERE" >&2
