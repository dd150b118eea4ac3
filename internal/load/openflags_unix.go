//go:build unix

package load

import (
	"os"
	"syscall"
)

// openFlags open a layout member without blocking: a FIFO put where a blob should be
// cannot hang the open (its type is refused right after).
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
