//go:build unix

package testkit

import (
	"os"
	"syscall"
)

// flock takes a shared or exclusive lock on f, waiting for it.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	return syscall.Flock(int(f.Fd()), how)
}
