package maps

import (
	"encoding/binary"
	"sync/atomic"
)

// Values move between Go slices and the arena a word at a time with
// atomic loads and stores. Programs and helpers on other goroutines access
// the same values without locks (array elements have none, as in the
// kernel), so plain copies would be data races the race detector reports
// in users' tests; word-sized atomics make them well-defined, and every
// aligned 8-byte word is read or written whole, which is at least as
// strong as the kernel's memcpy. A value whose size is not a multiple of
// 8 has its padding bytes zeroed by stores.

// storeWords copies src into dst; dst has room for src rounded up to 8.
func storeWords(dst []uint64, src []byte) {
	n := len(src) / 8
	for i := range n {
		atomic.StoreUint64(&dst[i], binary.NativeEndian.Uint64(src[i*8:]))
	}
	if rest := src[n*8:]; len(rest) > 0 {
		var w [8]byte
		copy(w[:], rest)
		atomic.StoreUint64(&dst[n], binary.NativeEndian.Uint64(w[:]))
	}
}

// loadWords fills dst from src; src holds dst's length rounded up to 8.
func loadWords(dst []byte, src []uint64) {
	n := len(dst) / 8
	for i := range n {
		binary.NativeEndian.PutUint64(dst[i*8:], atomic.LoadUint64(&src[i]))
	}
	if rest := dst[n*8:]; len(rest) > 0 {
		var w [8]byte
		binary.NativeEndian.PutUint64(w[:], atomic.LoadUint64(&src[n]))
		copy(rest, w[:])
	}
}

// zeroWords clears dst.
func zeroWords(dst []uint64) {
	for i := range dst {
		atomic.StoreUint64(&dst[i], 0)
	}
}
