package engine

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/vm"
)

// TestELFExportLinksWithC compiles objects to native ELF for each target,
// links them with a small C driver (gcc for amd64; aarch64-linux-gnu-gcc,
// statically, for arm64, run under qemu-aarch64-static), runs every
// program on a few inputs and checks r0 and the memory against the
// in-process JIT. Program results do not depend on the architecture, so
// the host's JIT is the reference for both.
func TestELFExportLinksWithC(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the C drivers are built and run from an amd64 host")
	}
	for _, target := range []struct {
		arch, cc string
		static   bool
		run      []string // the command prefix that runs a target binary
	}{
		{arch: "amd64", cc: "gcc"},
		{arch: "arm64", cc: "aarch64-linux-gnu-gcc", static: true, run: []string{"qemu-aarch64-static"}},
	} {
		t.Run(target.arch, func(t *testing.T) {
			cc, err := exec.LookPath(target.cc)
			if err != nil {
				t.Skipf("%s not installed", target.cc)
			}
			for _, tool := range target.run {
				if _, err := exec.LookPath(tool); err != nil {
					t.Skipf("%s not installed", tool)
				}
			}
			exportAndRun(t, target.arch, cc, target.static, target.run)
		})
	}
}

// mixHelper is the embedder's helper of testdata/export/calls_helpers.c,
// given to the JIT in Go and to the exported object in C.
var mixHelper = vm.Helper{ID: 0x10001, Name: "mix", Fn: func(_ *vm.Env, a, b, c, _, _ uint64) (uint64, error) {
	return (a*31 + b) ^ c, nil
}}

func exportAndRun(t *testing.T, arch, gcc string, static bool, run []string) {
	dir := t.TempDir()
	exported, faults, helperRuns := 0, 0, 0
	objects := []string{"globals.o", "calls.o", "calls_v4.o", "endian.o", "switch.o", "v4.o", "bench_main.o", "atomics.o",
		"../export/calls_helpers.o", "../isolation/arrays.o"}
	// The isolation programs pick their case from the input's low bits:
	// these seeds give each of the four.
	seeds := map[string][]int{"../isolation/arrays.o": {1, 2, 4, 7}}
	for _, name := range objects {
		object := testObject(t, name)
		helpers := []vm.Helper{mixHelper}
		data, header, err := CompileELF(object, CompileOptions{OptLevel: 2, Arch: arch, Helpers: helpers})
		if err != nil {
			t.Logf("%s: not exportable: %v", name, err)
			continue
		}
		base := filepath.Join(dir, strings.TrimSuffix(filepath.Base(name), ".o"))
		os.WriteFile(base+".native.o", data, 0o644)
		os.WriteFile(base+".h", []byte(header), 0o644)
		obj, err := loader.Parse(object, loader.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var driver strings.Builder
		fmt.Fprintf(&driver, `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "%s.h"
void ebpfjit_fault(uint64_t fault, uint64_t pc, uint64_t addr) { printf("fault %%llu at %%llu\n", (unsigned long long)(fault & 0xff), (unsigned long long)pc); }
uint64_t ebpf_helper_get_smp_processor_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) { return 0; }
uint64_t ebpf_helper_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) { return (a * 31 + b) ^ c; }
int main(int argc, char **argv) {
	size_t n = strlen(argv[2]) / 2;
	unsigned char *mem = calloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) sscanf(argv[2] + 2*i, "%%2hhx", &mem[i]);
	uint64_t r0 = 0;
`, filepath.Base(base))
		for _, p := range obj.Programs {
			fmt.Fprintf(&driver, "\tif (!strcmp(argv[1], %q)) r0 = %s(mem, n);\n", p.Name, p.Name)
		}
		driver.WriteString("\tprintf(\"%llx \", (unsigned long long)r0);\n\tfor (size_t i = 0; i < n; i++) printf(\"%02x\", mem[i]);\n\tprintf(\"\\n\");\n\treturn 0;\n}\n")
		os.WriteFile(base+"_driver.c", []byte(driver.String()), 0o644)
		exe := base + ".exe"
		args := []string{"-O1", "-o", exe, base + "_driver.c", base + ".native.o"}
		if static {
			args = append(args, "-static")
		}
		if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: linking with gcc: %v\n%s", name, err, out)
		}
		runSeeds := seeds[name]
		if runSeeds == nil {
			runSeeds = []int{1, 7}
		}
		for _, p := range obj.Programs {
			for _, seed := range runSeeds {
				// A fresh collection per run, like a fresh process.
				coll, err := LoadObject(obj, "jit", 2, loader.Options{Helpers: helpers})
				if err != nil {
					t.Fatal(err)
				}
				mem := make([]byte, 256)
				for i := range mem {
					mem[i] = byte(seed*i + seed)
				}
				want := bytes.Clone(mem)
				r0, runErr := coll.Program(p.Name).RunInPlace(want)
				coll.Close()
				exp := fmt.Sprintf("%x %x", r0, want)
				var re *vm.RunError
				switch {
				case errors.As(runErr, &re):
					// The exported function reports the same fault at
					// the same instruction and returns 0.
					exp = fmt.Sprintf("fault %d at %d\n0 %x", re.Fault, re.PC, want)
					faults++
				case runErr != nil:
					t.Fatalf("%s %s: %v", name, p.Name, runErr)
				}
				cmd := append(append([]string(nil), run...), exe, p.Name, hex.EncodeToString(mem))
				out, err := exec.Command(cmd[0], cmd[1:]...).Output()
				if err != nil {
					t.Fatalf("%s %s: %v", name, p.Name, err)
				}
				got := strings.TrimSpace(string(out))
				if (re == nil && got != exp) || (re != nil && !strings.HasSuffix(got, exp)) {
					t.Errorf("%s %s: C gives %s\nJIT gives %s", name, p.Name, got, exp)
				}
				if p.Name == "helpers" {
					helperRuns++
				}
				exported++
			}
		}
	}
	if exported == 0 || faults == 0 || helperRuns == 0 {
		t.Fatalf("%d runs, %d of them faults, %d calling helpers: each kind must be exercised", exported, faults, helperRuns)
	}
	t.Logf("%s: %d runs of exported programs match the JIT (%d faults, %d with helper calls)", arch, exported, faults, helperRuns)
}
