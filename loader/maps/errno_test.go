package maps

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

func TestErrno(t *testing.T) {
	tests := []struct {
		err  error
		ret  uint64
		text string
	}{
		{nil, 0, ""},
		{ENOENT, ^uint64(1), "ENOENT"},
		{E2BIG, ^uint64(6), "E2BIG"},
		{fmt.Errorf("wrapped: %w", EEXIST), ^uint64(16), "EEXIST"},
		{errors.New("plain"), ^uint64(21), "plain"},
		{Errno(1234), ^uint64(1233), "errno 1234"},
	}
	for _, tc := range tests {
		if got := Ret(tc.err); got != tc.ret {
			t.Errorf("Ret(%v) = %#x, want %#x", tc.err, got, tc.ret)
		}
		if tc.err != nil && !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("%v: text does not mention %q", tc.err, tc.text)
		}
	}
	if !errors.Is(ENOENT, syscall.ENOENT) || !errors.Is(E2BIG, syscall.E2BIG) || errors.Is(ENOENT, syscall.EEXIST) {
		t.Error("Errno does not match syscall.Errno by number")
	}
	if !errors.Is(fmt.Errorf("x: %w", ENOENT), fs.ErrNotExist) || !errors.Is(EEXIST, fs.ErrExist) || errors.Is(EINVAL, fs.ErrNotExist) {
		t.Error("Errno does not match fs errors")
	}
}
