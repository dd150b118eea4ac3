//go:build !unix

package load

import "os"

const openFlags = os.O_RDONLY
