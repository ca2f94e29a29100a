//go:build !linux || !(amd64 || arm64)

package native

// Without the signal handler of signal.go, signals in native code get the
// Go runtime's plain handling.

func registerCode(start, size uintptr) int { return -1 }
func unregisterCode(slot int)              {}

// ProfilingSeen reports whether a CPU profile has been seen being taken.
func ProfilingSeen() bool { return false }
