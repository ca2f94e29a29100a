package loader

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ebpfjit/ebpfjit/vm"
)

// formatBPF formats like the kernel's bpf_trace_printk and bpf_snprintf:
// C conversions %d %i %u %x %X %o %c %s %p and %%, with flags, width,
// precision and the length modifiers l, ll, h and hh. Every argument is
// a 64-bit word; %s and %p take pointers into program memory (strings are
// read from it, bounds-checked).
func formatBPF(mem *vm.Memory, format string, args []uint64) (string, error) {
	var out strings.Builder
	next := 0
	arg := func() (uint64, error) {
		if next >= len(args) {
			return 0, errors.New("format has more conversions than arguments")
		}
		next++
		return args[next-1], nil
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return "", errors.New("format ends in %")
		}
		if format[i] == '%' {
			out.WriteByte('%')
			continue
		}
		// %[flags][width][.precision][length]conversion
		spec := strings.Builder{}
		spec.WriteByte('%')
		for i < len(format) && strings.IndexByte("-+ 0#", format[i]) >= 0 {
			spec.WriteByte(format[i])
			i++
		}
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			spec.WriteByte(format[i])
			i++
		}
		precision := -1
		if i < len(format) && format[i] == '.' {
			spec.WriteByte('.')
			i++
			start := i
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				spec.WriteByte(format[i])
				i++
			}
			precision, _ = strconv.Atoi(format[start:i])
		}
		// Length modifiers: none is an int, l and ll a long, h a short,
		// hh a char.
		longs, shorts := 0, 0
		for i < len(format) && strings.IndexByte("lhz", format[i]) >= 0 {
			if format[i] == 'h' {
				shorts++
			} else {
				longs++
			}
			i++
		}
		width := 32
		switch {
		case longs > 0:
			width = 64
		case shorts == 1:
			width = 16
		case shorts > 1:
			width = 8
		}
		if i >= len(format) {
			return "", errors.New("format ends inside a conversion")
		}
		v, err := arg()
		if err != nil {
			return "", err
		}
		conv := format[i]
		switch conv {
		case 'd', 'i':
			var x int64
			switch width {
			case 8:
				x = int64(int8(v))
			case 16:
				x = int64(int16(v))
			case 32:
				x = int64(int32(v))
			default:
				x = int64(v)
			}
			fmt.Fprintf(&out, spec.String()+"d", x)
		case 'u', 'x', 'X', 'o':
			if width < 64 {
				v &= 1<<width - 1
			}
			verb := string(conv)
			if conv == 'u' {
				verb = "d"
			}
			fmt.Fprintf(&out, spec.String()+verb, v)
		case 'c':
			fmt.Fprintf(&out, spec.String()+"c", rune(byte(v)))
		case 'p':
			// %p and its kernel variants (%pK, %ps ...): the address.
			for i+1 < len(format) && strings.IndexByte("KSsBbxIi4", format[i+1]) >= 0 {
				i++
			}
			fmt.Fprintf(&out, "0x%x", v)
		case 's':
			limit := 4096
			if precision >= 0 && precision < limit {
				limit = precision
			}
			s, err := mem.CString(v, limit+1)
			if err != nil {
				s = "(invalid)"
			}
			if len(s) > limit {
				s = s[:limit]
			}
			fmt.Fprintf(&out, strings.Replace(spec.String(), "."+strconv.Itoa(precision), "", 1)+"s", s)
		default:
			return "", fmt.Errorf("unsupported conversion %%%c", conv)
		}
	}
	return out.String(), nil
}
