package loader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/vm"
)

// Kernel helper ids (include/uapi/linux/bpf.h), as programs are compiled
// against them.
const (
	helperMapLookupElem       = 1
	helperMapUpdateElem       = 2
	helperMapDeleteElem       = 3
	helperProbeRead           = 4
	helperTracePrintk         = 6
	helperTailCall            = 12
	helperGetCurrentComm      = 16
	helperProbeReadStr        = 45
	helperMapPushElem         = 87
	helperMapPopElem          = 88
	helperMapPeekElem         = 89
	helperStrtol              = 105
	helperStrtoul             = 106
	helperProbeReadUser       = 112
	helperProbeReadKernel     = 113
	helperProbeReadUserStr    = 114
	helperProbeReadKernStr    = 115
	helperRingbufOutput       = 130
	helperRingbufReserve      = 131
	helperRingbufSubmit       = 132
	helperRingbufDiscard      = 133
	helperRingbufQuery        = 134
	helperSnprintf            = 165
	helperStrncmp             = 182
	helperMapLookupPercpuElem = 195
	maxTailCalls              = 33
	maxLoops                  = 1 << 23
	errnoFault                = 14
	maxPrintfArgs             = 12
	maxStringHelperArgument   = 1 << 16
)

// runState is what the loader's helpers know of a run (vm.Env.Data).
type runState struct {
	coll      *Collection
	mem       []byte // the run's input, where tail calls continue
	binding   *vm.Binding
	tailCalls int
}

func state(env *vm.Env) *runState { return env.Data.(*runState) }

// neg returns -errno as a helper's r0.
func neg(errno int) uint64 { return uint64(-int64(errno)) }

// mapOf decodes a map handle (vm.MapHandleBase + index).
func (st *runState) mapOf(handle uint64) (*maps.Map, error) {
	idx := handle - vm.MapHandleBase
	if handle < vm.MapHandleBase || idx >= uint64(st.coll.set.Len()) {
		return nil, fmt.Errorf("0x%x is not a map", handle)
	}
	return st.coll.set.Map(int(idx)), nil
}

func addrOf(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

// StandardHelpers returns the helpers every collection has. out is where
// bpf_trace_printk writes. The set is built once and shared: the result
// is a cheap layer over it that the caller may add to.
func StandardHelpers(out io.Writer) *vm.Helpers {
	h := standardHelpers().Derive()
	if out != nil {
		h.Register(helperTracePrintk, "trace_printk", tracePrintk(out))
	}
	return h
}

// standardHelpers is the shared set, with a trace_printk that writes
// nowhere.
var standardHelpers = sync.OnceValue(func() *vm.Helpers { return buildStandardHelpers() })

// tracePrintk is bpf_trace_printk writing to out.
func tracePrintk(out io.Writer) vm.HelperFunc {
	return func(env *vm.Env, fmtPtr, fmtSize, a1, a2, a3 uint64) (uint64, error) {
		f, err := formatString(env, fmtPtr, fmtSize)
		if err != nil {
			return 0, err
		}
		s, err := formatBPF(env.Memory, f, []uint64{a1, a2, a3})
		if err != nil {
			return neg(22), nil
		}
		if out != nil {
			io.WriteString(out, s)
		}
		return uint64(len(s)), nil
	}
}

// errReadOnlyMap is the error of a helper that would change a map
// programs may only read. The kernel's verifier refuses such a call; a
// program whose map argument is a constant is refused at load here too
// (CheckProgram), others fail when the call happens.
func errReadOnlyMap(m *maps.Map) error {
	return fmt.Errorf("map %q is read-only for programs (BPF_F_RDONLY_PROG or .rodata)", m.Name())
}

// writesMap reports whether helper id changes the map in its first
// argument: the helpers the kernel refuses on a read-only map.
func writesMap(id int32) bool {
	switch id {
	case helperMapUpdateElem, helperMapDeleteElem, helperMapPushElem, helperMapPopElem:
		return true
	}
	return false
}

// mapAndKey resolves a helper's map handle and reads the key it points to.
func mapAndKey(env *vm.Env, mh, key uint64) (*maps.Map, []byte, error) {
	m, err := state(env).mapOf(mh)
	if err != nil {
		return nil, nil, err
	}
	k, err := env.Memory.Bytes(key, uint64(m.KeySize()), false)
	if err != nil {
		return nil, nil, fmt.Errorf("key: %w", err)
	}
	return m, k, nil
}

func buildStandardHelpers() *vm.Helpers {
	h := vm.BaseHelpers()
	reg := h.Register
	reg(helperMapLookupElem, "map_lookup_elem", func(env *vm.Env, mh, key, _, _, _ uint64) (uint64, error) {
		m, k, err := mapAndKey(env, mh, key)
		if err != nil {
			return 0, err
		}
		return m.LookupAddr(k, env.CPU), nil
	})
	reg(helperMapUpdateElem, "map_update_elem", func(env *vm.Env, mh, key, value, flags, _ uint64) (uint64, error) {
		m, k, err := mapAndKey(env, mh, key)
		if err != nil {
			return 0, err
		}
		if m.ProgramPerm()&vm.PermWrite == 0 {
			return 0, errReadOnlyMap(m)
		}
		v, err := env.Memory.Bytes(value, uint64(m.ValueSize()), false)
		if err != nil {
			return 0, fmt.Errorf("value: %w", err)
		}
		return maps.Ret(m.Update(k, v, flags, env.CPU)), nil
	})
	reg(helperMapLookupPercpuElem, "map_lookup_percpu_elem", func(env *vm.Env, mh, key, cpu, _, _ uint64) (uint64, error) {
		m, k, err := mapAndKey(env, mh, key)
		if err != nil {
			return 0, err
		}
		if cpu >= uint64(m.NumCPU()) {
			return 0, nil
		}
		return m.LookupAddr(k, int(cpu)), nil
	})
	reg(helperMapDeleteElem, "map_delete_elem", func(env *vm.Env, mh, key, _, _, _ uint64) (uint64, error) {
		m, k, err := mapAndKey(env, mh, key)
		if err != nil {
			return 0, err
		}
		if m.ProgramPerm()&vm.PermWrite == 0 {
			return 0, errReadOnlyMap(m)
		}
		return maps.Ret(m.Delete(k)), nil
	})
	// queueOp serves push (which reads the value), pop and peek (which
	// write it); push and pop change the map.
	queueOp := func(op func(m *maps.Map, v []byte, flags uint64) error, write, change bool) vm.HelperFunc {
		return func(env *vm.Env, mh, value, flags, _, _ uint64) (uint64, error) {
			m, err := state(env).mapOf(mh)
			if err != nil {
				return 0, err
			}
			if change && m.ProgramPerm()&vm.PermWrite == 0 {
				return 0, errReadOnlyMap(m)
			}
			v, err := env.Memory.Bytes(value, uint64(m.ValueSize()), write)
			if err != nil {
				return 0, fmt.Errorf("value: %w", err)
			}
			return maps.Ret(op(m, v, flags)), nil
		}
	}
	reg(helperMapPushElem, "map_push_elem", queueOp(func(m *maps.Map, v []byte, f uint64) error { return m.Push(v, f) }, false, true))
	reg(helperMapPopElem, "map_pop_elem", queueOp(func(m *maps.Map, v []byte, _ uint64) error { return m.Pop(v) }, true, true))
	reg(helperMapPeekElem, "map_peek_elem", queueOp(func(m *maps.Map, v []byte, _ uint64) error { return m.Peek(v) }, true, false))

	// bpf_tail_call runs the target program in place of the calling
	// function: its result is what that function returns (vm.Return), and
	// execution never comes back after the call. An empty slot or the
	// 33-call limit make the helper fail and the program go on.
	reg(helperTailCall, "tail_call", func(env *vm.Env, _, mh, index, _, _ uint64) (uint64, error) {
		st := state(env)
		m, err := st.mapOf(mh)
		if err != nil {
			return 0, err
		}
		prog, ok := m.Program(uint32(index))
		if !ok || prog < 0 || prog >= len(st.coll.programs) {
			return neg(2), nil // ENOENT: execution continues
		}
		if st.tailCalls >= maxTailCalls {
			return neg(7), nil // E2BIG
		}
		st.tailCalls++
		r0, err := st.coll.programs[prog].run.RunWith(st.mem, st.binding)
		if err != nil {
			return 0, err
		}
		return 0, &vm.Return{R0: r0}
	})

	reg(helperTracePrintk, "trace_printk", tracePrintk(nil))
	reg(helperSnprintf, "snprintf", func(env *vm.Env, str, strSize, fmtPtr, data, dataLen uint64) (uint64, error) {
		f, err := env.Memory.CString(fmtPtr, maxStringHelperArgument)
		if err != nil {
			return neg(22), nil
		}
		if dataLen%8 != 0 || dataLen/8 > maxPrintfArgs {
			return neg(22), nil
		}
		raw, err := env.Memory.Bytes(data, dataLen, false)
		if err != nil {
			return neg(22), nil
		}
		args := make([]uint64, dataLen/8)
		for i := range args {
			args[i] = leUint64(raw[8*i:])
		}
		s, err := formatBPF(env.Memory, f, args)
		if err != nil {
			return neg(22), nil
		}
		if strSize > 0 {
			dst, err := env.Memory.Bytes(str, strSize, true)
			if err != nil {
				return neg(22), nil
			}
			n := copy(dst[:strSize-1], s)
			dst[n] = 0
		}
		return uint64(len(s) + 1), nil
	})

	probe := func(str bool) vm.HelperFunc {
		return func(env *vm.Env, dst, size, src, _, _ uint64) (uint64, error) {
			d, err := env.Memory.Bytes(dst, size, true)
			if err != nil {
				return 0, fmt.Errorf("destination: %w", err)
			}
			if !str {
				s, err := env.Memory.Bytes(src, size, false)
				if err != nil {
					clear(d)
					return neg(errnoFault), nil
				}
				copy(d, s)
				return 0, nil
			}
			if size == 0 {
				return 0, nil
			}
			s, err := env.Memory.CString(src, int(size))
			if err != nil {
				// Not terminated within size: copy what fits and cut.
				part, perr := prefixBytes(env.Memory, src, int(size)-1)
				if perr != nil {
					clear(d)
					return neg(errnoFault), nil
				}
				copy(d, part)
				d[len(part)] = 0
				return uint64(len(part) + 1), nil
			}
			n := copy(d[:size-1], s)
			d[n] = 0
			return uint64(n + 1), nil
		}
	}
	reg(helperProbeRead, "probe_read", probe(false))
	reg(helperProbeReadUser, "probe_read_user", probe(false))
	reg(helperProbeReadKernel, "probe_read_kernel", probe(false))
	reg(helperProbeReadStr, "probe_read_str", probe(true))
	reg(helperProbeReadUserStr, "probe_read_user_str", probe(true))
	reg(helperProbeReadKernStr, "probe_read_kernel_str", probe(true))

	reg(vm.HelperGetCurrentPidTgid, "get_current_pid_tgid", func(*vm.Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		pid := uint64(os.Getpid())
		return pid<<32 | pid, nil
	})
	reg(vm.HelperGetCurrentUIDGID, "get_current_uid_gid", func(*vm.Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return uint64(os.Getgid())<<32 | uint64(uint32(os.Getuid())), nil
	})
	reg(helperGetCurrentComm, "get_current_comm", func(env *vm.Env, buf, size, _, _, _ uint64) (uint64, error) {
		d, err := env.Memory.Bytes(buf, size, true)
		if err != nil {
			return 0, fmt.Errorf("buffer: %w", err)
		}
		if size == 0 {
			return neg(22), nil
		}
		comm := filepath.Base(os.Args[0])
		if len(comm) > 15 {
			comm = comm[:15]
		}
		clear(d)
		copy(d[:size-1], comm)
		return 0, nil
	})

	reg(helperStrncmp, "strncmp", func(env *vm.Env, s1, s1Size, s2, _, _ uint64) (uint64, error) {
		a, err := env.Memory.Bytes(s1, s1Size, false)
		if err != nil {
			return 0, fmt.Errorf("s1: %w", err)
		}
		b, err := env.Memory.CString(s2, maxStringHelperArgument)
		if err != nil {
			return 0, fmt.Errorf("s2: %w", err)
		}
		// Like the kernel: -1, 0 or 1.
		for i := 0; i < len(a); i++ {
			var c2 byte
			if i < len(b) {
				c2 = b[i]
			}
			switch {
			case a[i] < c2:
				return neg(1), nil
			case a[i] > c2:
				return 1, nil
			case a[i] == 0:
				return 0, nil
			}
		}
		return 0, nil
	})
	strto := func(signed bool) vm.HelperFunc {
		return func(env *vm.Env, buf, bufLen, flags, res, _ uint64) (uint64, error) {
			if flags&^0x1f != 0 {
				return neg(22), nil
			}
			text, err := env.Memory.Bytes(buf, bufLen, false)
			if err != nil {
				return 0, fmt.Errorf("buffer: %w", err)
			}
			out, err := env.Memory.Bytes(res, 8, true)
			if err != nil {
				return 0, fmt.Errorf("result: %w", err)
			}
			v, n, errno := parseInteger(text, int(flags&0x1f), signed)
			if errno != 0 {
				putLeUint64(out, 0) // the kernel clears the result on error
				return neg(errno), nil
			}
			putLeUint64(out, v)
			return uint64(n), nil
		}
	}
	reg(helperStrtol, "strtol", strto(true))
	reg(helperStrtoul, "strtoul", strto(false))

	ring := func(env *vm.Env, mh uint64) (*maps.Map, error) {
		m, err := state(env).mapOf(mh)
		if err != nil {
			return nil, err
		}
		if m.Type() != maps.RingBuf {
			return nil, fmt.Errorf("map %s is not a ring buffer", m.Name())
		}
		return m, nil
	}
	reg(helperRingbufOutput, "ringbuf_output", func(env *vm.Env, mh, data, size, flags, _ uint64) (uint64, error) {
		m, err := ring(env, mh)
		if err != nil {
			return 0, err
		}
		d, err := env.Memory.Bytes(data, size, false)
		if err != nil {
			return 0, fmt.Errorf("data: %w", err)
		}
		return maps.Ret(m.Output(d, flags)), nil
	})
	reg(helperRingbufReserve, "ringbuf_reserve", func(env *vm.Env, mh, size, flags, _, _ uint64) (uint64, error) {
		m, err := ring(env, mh)
		if err != nil {
			return 0, err
		}
		if flags != 0 {
			return 0, nil
		}
		return m.Reserve(size), nil
	})
	commit := func(discard bool) vm.HelperFunc {
		return func(env *vm.Env, data, flags, _, _, _ uint64) (uint64, error) {
			m := state(env).coll.set.RingBufAt(data)
			if m == nil {
				return 0, fmt.Errorf("0x%x is not a ring buffer reservation", data)
			}
			var err error
			if discard {
				err = m.Discard(data, flags)
			} else {
				err = m.Submit(data, flags)
			}
			if err != nil {
				return 0, err
			}
			return 0, nil
		}
	}
	reg(helperRingbufSubmit, "ringbuf_submit", commit(false))
	reg(helperRingbufDiscard, "ringbuf_discard", commit(true))
	reg(helperRingbufQuery, "ringbuf_query", func(env *vm.Env, mh, flags, _, _, _ uint64) (uint64, error) {
		m, err := ring(env, mh)
		if err != nil {
			return 0, err
		}
		return m.Query(flags), nil
	})

	reg(vm.HelperLoop, "loop", func(env *vm.Env, n, fn, ctx, flags, _ uint64) (uint64, error) {
		if flags != 0 {
			return neg(22), nil
		}
		if n > maxLoops {
			return neg(7), nil
		}
		i := uint64(0)
		for i < n {
			r, err := env.Call(fn, i, ctx, 0, 0, 0)
			if err != nil {
				return 0, err
			}
			i++
			if r != 0 {
				break
			}
		}
		return i, nil
	})
	reg(vm.HelperForEachMapElem, "for_each_map_elem", func(env *vm.Env, mh, fn, ctx, flags, _ uint64) (uint64, error) {
		if flags != 0 {
			return neg(22), nil
		}
		m, err := state(env).mapOf(mh)
		if err != nil {
			return 0, err
		}
		var callErr error
		n := m.ForEach(env.CPU, func(key []byte, value uint64) bool {
			r, err := env.Call(fn, mh, addrOf(key), value, ctx, 0)
			if err != nil {
				callErr = err
				return false
			}
			return r == 0
		})
		if callErr != nil {
			return 0, callErr
		}
		return uint64(n), nil
	})
	return h
}

// formatString reads a helper's format argument: fmtSize bytes that must
// end in NUL.
func formatString(env *vm.Env, ptr, size uint64) (string, error) {
	b, err := env.Memory.Bytes(ptr, size, false)
	if err != nil {
		return "", fmt.Errorf("format: %w", err)
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", errors.New("format is not NUL-terminated")
	}
	return string(b[:i]), nil
}

// prefixBytes returns the n readable bytes at addr, or fewer if the
// region ends first.
func prefixBytes(mem *vm.Memory, addr uint64, n int) ([]byte, error) {
	for ; n > 0; n-- {
		if b, err := mem.Bytes(addr, uint64(n), false); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("unreadable")
}

// parseInteger parses an integer like the kernel's bpf_strtol: optional
// leading spaces and sign (signed only), base from the flags (0 means
// auto: 0x hex, 0 octal, else decimal). It returns the value, the number
// of characters consumed and an errno (EINVAL, ERANGE) or 0.
func parseInteger(text []byte, base int, signed bool) (uint64, int, int) {
	if base != 0 && base != 8 && base != 10 && base != 16 {
		return 0, 0, 22
	}
	s := string(text)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		i++
	}
	negative := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		if !signed && s[i] == '-' {
			return 0, 0, 22
		}
		negative = s[i] == '-'
		i++
	}
	if base == 0 {
		switch {
		case strings.HasPrefix(s[i:], "0x") || strings.HasPrefix(s[i:], "0X"):
			base = 16
			i += 2
		case strings.HasPrefix(s[i:], "0") && len(s) > i+1:
			base = 8
		default:
			base = 10
		}
	} else if base == 16 && (strings.HasPrefix(s[i:], "0x") || strings.HasPrefix(s[i:], "0X")) {
		i += 2
	}
	start := i
	for i < len(s) && digitValue(s[i]) < base {
		i++
	}
	if i == start {
		return 0, 0, 22
	}
	u, err := strconv.ParseUint(s[start:i], base, 64)
	if err != nil {
		return 0, 0, 34
	}
	if signed {
		if negative {
			if u > 1<<63 {
				return 0, 0, 34
			}
			return uint64(-int64(u)), i, 0
		}
		if u > math.MaxInt64 {
			return 0, 0, 34
		}
	}
	return u, i, 0
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

func leUint64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLeUint64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}
