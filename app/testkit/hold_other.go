//go:build !unix

package testkit

import "os"

// flock is a no-op where flock(2) does not exist: tests there run one package
// at a time (go test -p 1) if they stop the shared cluster's brokers.
func flock(*os.File, bool) error { return nil }
