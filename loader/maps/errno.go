package maps

import (
	"errors"
	"io/fs"
	"strconv"
	"syscall"
)

// Errno is the error of a map operation, numbered like Linux errno values
// so that a helper can hand -errno back to the program exactly as the
// kernel would. Program-facing operations return a bare Errno: it carries
// the whole answer and, being a small integer, costs no allocation.
type Errno int

// The errno values map operations return. Numbers follow
// include/uapi/asm-generic/errno-base.h and errno.h.
const (
	EPERM      Errno = 1  // the map is read-only (frozen .rodata)
	ENOENT     Errno = 2  // no such element; queue or stack empty
	E2BIG      Errno = 7  // map full; array index out of range
	EAGAIN     Errno = 11 // ring buffer has no room for a record
	ENOMEM     Errno = 12 // the maps would use more than Options.MaxMemory
	EBUSY      Errno = 16 // a ring buffer already has a reader
	EEXIST     Errno = 17 // element exists (BPF_NOEXIST)
	EINVAL     Errno = 22 // bad flags, sizes or arguments
	EOPNOTSUPP Errno = 95 // the operation does not apply to this map type
)

var errnoText = map[Errno]string{
	EPERM:      "operation not permitted (EPERM)",
	ENOENT:     "no such element (ENOENT)",
	E2BIG:      "too big (E2BIG)",
	EAGAIN:     "no room, try again (EAGAIN)",
	ENOMEM:     "out of memory (ENOMEM)",
	EBUSY:      "busy (EBUSY)",
	EEXIST:     "element exists (EEXIST)",
	EINVAL:     "invalid argument (EINVAL)",
	EOPNOTSUPP: "operation not supported (EOPNOTSUPP)",
}

func (e Errno) Error() string {
	if s, ok := errnoText[e]; ok {
		return s
	}
	return "errno " + strconv.Itoa(int(e))
}

// Is lets errors.Is match an Errno against the same number as a
// syscall.Errno (what code written against the kernel compares with) and
// against fs.ErrNotExist / fs.ErrExist, like syscall.Errno does.
func (e Errno) Is(target error) bool {
	switch t := target.(type) {
	case syscall.Errno:
		return int(t) == int(e)
	}
	switch target {
	case fs.ErrNotExist:
		return e == ENOENT
	case fs.ErrExist:
		return e == EEXIST
	}
	return false
}

// errOf turns the internal "0 means success" convention into an error
// without boxing a zero Errno into a non-nil interface.
func errOf(e Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// Ret converts an error from this package into the value a helper returns
// in r0: 0 for nil, otherwise -errno as a 64-bit two's complement. Errors
// that carry no Errno become -EINVAL, the kernel's catch-all.
func Ret(err error) uint64 {
	if err == nil {
		return 0
	}
	var e Errno
	if !errors.As(err, &e) {
		e = EINVAL
	}
	return uint64(-int64(e))
}
