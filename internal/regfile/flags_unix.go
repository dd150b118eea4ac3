//go:build unix

package regfile

import (
	"os"
	"syscall"
)

// openFlags open without blocking: opening a FIFO no one writes to returns at once.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
