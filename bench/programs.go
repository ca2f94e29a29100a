// Package bench holds the benchmark programs, their inputs and their
// plain-Go equivalents, and the benchmarks that compare engines on them.
package bench

import (
	"embed"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

//go:embed asm/*.s
var asmFiles embed.FS

// Program is a benchmark: an eBPF program, a deterministic input, the
// result it must return and the same algorithm in plain Go.
type Program struct {
	Name   string
	Source string // file under bench/
	Input  func() []byte
	Want   uint64
	Go     func(mem []byte) uint64
}

// Instructions assembles the program.
func (p *Program) Instructions() ([]isa.Instruction, error) {
	src, err := asmFiles.ReadFile(p.Source)
	if err != nil {
		return nil, err
	}
	prog, err := asm.Assemble(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Source, err)
	}
	return prog, nil
}

// LoopPrograms are the loop-heavy programs of the compiler's own
// benchmarks.
var LoopPrograms = []*Program{
	{
		Name:   "prime",
		Source: "asm/prime.s",
		Input:  func() []byte { return binary.LittleEndian.AppendUint32(nil, 10000) },
		Want:   1229,
		Go:     goPrime,
	},
	{
		Name:   "strcmp_full",
		Source: "asm/strcmp.s",
		Input:  strcmpInput,
		Want:   0,
		Go:     goStrcmp,
	},
	{
		Name:   "log2",
		Source: "asm/log2.s",
		Input:  log2Input,
		Want:   log2Want(),
		Go:     goLog2,
	},
}

func goPrime(mem []byte) uint64 {
	limit := uint64(binary.LittleEndian.Uint32(mem))
	count := uint64(0)
outer:
	for n := uint64(2); n < limit; n++ {
		for d := uint64(2); d*d <= n; d++ {
			if n%d == 0 {
				continue outer
			}
		}
		count++
	}
	return count
}

const mib = 1 << 20

// strcmpInput holds two equal strings of 1 MiB - 1 bytes.
func strcmpInput() []byte {
	mem := make([]byte, 2*mib)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < mib-1; i++ {
		c := byte(r.IntN(255) + 1)
		mem[i], mem[mib+i] = c, c
	}
	return mem
}

func goStrcmp(mem []byte) uint64 {
	a, b := mem[:mib], mem[mib:]
	for i := 0; ; i++ {
		if a[i] != b[i] {
			return uint64(a[i]) - uint64(b[i])
		}
		if a[i] == 0 {
			return 0
		}
	}
}

func log2Input() []byte {
	r := rand.New(rand.NewPCG(3, 4))
	mem := make([]byte, 8*1024)
	for i := 0; i < 1024; i++ {
		// Spread the magnitudes so every branch goes both ways.
		v := r.Uint64() >> r.UintN(64)
		binary.LittleEndian.PutUint64(mem[8*i:], v)
	}
	return mem
}

func goLog2(mem []byte) uint64 {
	sum := uint64(0)
	for i := 0; i+8 <= len(mem); i += 8 {
		x := binary.LittleEndian.Uint64(mem[i:])
		r := uint64(0)
		if x > 0xffffffff {
			x >>= 32
			r += 32
		}
		if x > 0xffff {
			x >>= 16
			r += 16
		}
		if x > 0xff {
			x >>= 8
			r += 8
		}
		if x > 0xf {
			x >>= 4
			r += 4
		}
		if x > 0x3 {
			x >>= 2
			r += 2
		}
		if x > 0x1 {
			r++
		}
		sum += r
	}
	return sum
}

// log2Want computes the expected result independently of goLog2, with
// math/bits.
func log2Want() uint64 {
	mem := log2Input()
	sum := uint64(0)
	for i := 0; i < len(mem); i += 8 {
		if x := binary.LittleEndian.Uint64(mem[i:]); x != 0 {
			sum += uint64(bits.Len64(x) - 1)
		}
	}
	return sum
}
