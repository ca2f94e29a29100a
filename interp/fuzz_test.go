package interp_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/vm"
)

// FuzzValidateRun feeds arbitrary bytecode through the decoder, the
// validator and the interpreter: whatever the input, the result is a value
// or an error, never a panic, and a run error is always a *vm.RunError.
func FuzzValidateRun(f *testing.F) {
	for _, dir := range []string{"../testdata/conformance", "../../shared/conformance/bpf_conformance"} {
		files, _ := conformance.Files([]string{dir})
		for i, file := range files {
			if i%3 != 0 {
				continue
			}
			data, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			c, err := conformance.Parse(filepath.Base(file), data)
			if err != nil || c.Skip != "" {
				continue
			}
			prog, err := c.Program()
			if err != nil {
				continue
			}
			f.Add(isa.Encode(prog), c.Mem)
		}
	}
	f.Add([]byte{0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}, []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, code, mem []byte) {
		prog, err := isa.Decode(code)
		if err != nil {
			return
		}
		p, err := interp.New(prog, interp.Options{Budget: 10_000})
		if err != nil {
			return
		}
		_, err = p.Run(mem)
		var re *vm.RunError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("run error %v is not a *vm.RunError", err)
		}
	})
}
