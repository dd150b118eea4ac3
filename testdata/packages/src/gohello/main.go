// Command gohello is a fixture for strata's Go-binary reader: a main module with one
// dependency whose version the fixture script changes between two layers.
package main

import (
	"fmt"
	"os"

	"github.com/google/go-cmp/cmp"
)

func main() {
	fmt.Println(cmp.Diff(os.Args[0], "gohello"))
}
