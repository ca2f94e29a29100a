package ir

import (
	"math/rand/v2"
	"testing"

	"github.com/ebpfjit/ebpfjit/internal/progen"
)

// FuzzIR generates programs from the fuzzer's bytes (each byte is a
// decision of the generator, so mutations change the structure of the
// program) and compares the IR at -O0 and -O2 with the interpreter.
func FuzzIR(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 16 {
		data := make([]byte, 32*n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := progen.Generate(&progen.ByteSource{Data: data}, progen.Config{})
		compareWithInterpreter(t, "fuzz input", p.Insns, p.Mem)
	})
}
