// Module ggcrcheck reads testgen's archives with go-containerregistry, as an independent reader
// for testgen's tests. It is a separate module because ggcr's tarball and layout packages need
// modules (opencontainers/*) that strata itself does not depend on.
module github.com/strata-dev/strata/internal/testgen/ggcrcheck

go 1.26.8

require github.com/google/go-containerregistry v0.22.1

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
