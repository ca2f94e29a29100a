package ir

import (
	"fmt"
	"strings"
)

// String returns the text form of a whole program.
func (p *Program) String() string {
	var sb strings.Builder
	for i, f := range p.Funcs {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(f.String())
	}
	return sb.String()
}

// String returns the text form of the function: one line per value, in
// an assembly-like syntax. Constants are written inline where they are
// used, since they never occupy a register.
func (f *Func) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "func %s (pc %d)", f.Name, f.Start)
	if f.FrameZero > 0 {
		fmt.Fprintf(&sb, " zero-frame %d", f.FrameZero)
	}
	sb.WriteString(":\n")
	for _, b := range f.Blocks {
		sb.WriteString(b.header())
		sb.WriteByte('\n')
		for _, v := range b.Values {
			if v.Op == OpConst {
				continue
			}
			sb.WriteString("    ")
			sb.WriteString(v.LongString())
			sb.WriteByte('\n')
		}
		sb.WriteString("    ")
		sb.WriteString(b.terminator())
		sb.WriteByte('\n')
	}
	return sb.String()
}

func (b *Block) String() string { return fmt.Sprintf("b%d", b.ID) }

func (b *Block) header() string {
	var sb strings.Builder
	sb.WriteString(b.String())
	if len(b.Params) > 0 {
		sb.WriteByte('(')
		for i, p := range b.Params {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(p.String())
			if p.Var >= 0 {
				fmt.Fprintf(&sb, " r%d", p.Var)
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteByte(':')
	if b.PC >= 0 {
		fmt.Fprintf(&sb, " ; pc %d", b.PC)
	}
	return sb.String()
}

func (e Edge) String() string {
	return e.To.String() + valueList(e.Args)
}

func valueList(vs []*Value) string {
	if len(vs) == 0 {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (b *Block) terminator() string {
	switch b.Kind {
	case BlockJump:
		return "jump " + b.Succs[0].String()
	case BlockIf:
		w := ""
		if b.Is32 {
			w = "32"
		}
		return fmt.Sprintf("if %s%s %s, %s then %s else %s", b.Cond, w, b.Controls[0], b.Controls[1], b.Succs[0], b.Succs[1])
	case BlockReturn:
		return "return " + b.Controls[0].String()
	}
	return "?"
}

func memOperand(base *Value, off int64) string {
	if off < 0 {
		return fmt.Sprintf("[%s-%d]", base, -off)
	}
	return fmt.Sprintf("[%s+%d]", base, off)
}

var atomicNames = map[int64]string{
	0x00: "add", 0x40: "or", 0x50: "and", 0xa0: "xor",
	0x01: "fetch_add", 0x41: "fetch_or", 0x51: "fetch_and", 0xa1: "fetch_xor",
	0xe1: "xchg", 0xf1: "cmpxchg",
}

// LongString returns the definition of v as one line.
func (v *Value) LongString() string {
	lhs := v.String() + " = "
	var rhs string
	switch v.Op {
	case OpConst:
		rhs = fmt.Sprintf("const %#x", uint64(v.Aux))
	case OpArg:
		if v.Aux == ArgFrame {
			rhs = "arg fp"
		} else {
			rhs = fmt.Sprintf("arg r%d", v.Aux+1)
		}
	case OpLoad:
		kind := "load"
		if v.Signed {
			kind = "loads"
		}
		rhs = fmt.Sprintf("%s%d %s", kind, 8*int(v.Size), memOperand(v.Args[0], v.Aux))
	case OpStore:
		lhs = ""
		rhs = fmt.Sprintf("store%d %s, %s", 8*int(v.Size), memOperand(v.Args[0], v.Aux), v.Args[1])
	case OpAtomic:
		rhs = fmt.Sprintf("atomic %s%d %s, %s", atomicNames[v.Aux2], 8*int(v.Size), memOperand(v.Args[0], v.Aux), v.Args[1])
		if len(v.Args) > 2 {
			rhs += ", " + v.Args[2].String()
		}
	case OpLegacyLoad:
		rhs = fmt.Sprintf("ldpkt%d %d", 8*int(v.Size), v.Aux)
		if len(v.Args) > 0 {
			rhs = fmt.Sprintf("ldpkt%d %s+%d", 8*int(v.Size), v.Args[0], v.Aux)
		}
	case OpCall:
		rhs = fmt.Sprintf("call %d%s", v.Aux, valueList(v.Args))
	case OpCallLocal:
		rhs = fmt.Sprintf("call f%d%s", v.Aux, valueList(v.Args))
	case OpCallX:
		rhs = fmt.Sprintf("callx %s%s", v.Args[0], valueList(v.Args[1:]))
	case OpMapAddr:
		if v.Aux2 < 0 {
			rhs = fmt.Sprintf("mapaddr %d", v.Aux)
		} else {
			rhs = fmt.Sprintf("mapaddr %d+%d", v.Aux, v.Aux2)
		}
	default:
		parts := make([]string, len(v.Args))
		for i, a := range v.Args {
			parts[i] = a.String()
		}
		rhs = v.Op.String() + " " + strings.Join(parts, ", ")
	}
	if v.Checked && v.Op != OpAtomic {
		rhs += " checked"
	}
	return lhs + rhs
}
