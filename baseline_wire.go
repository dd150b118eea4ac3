package main

import (
	"github.com/strata-dev/strata/check"
)

// openBaseline reads a baseline lock for check --baseline.
func openBaseline(path string) (check.Baseline, error) {
	return nil, &usageError{"--baseline: baseline locks are not available in this build yet"}
}
