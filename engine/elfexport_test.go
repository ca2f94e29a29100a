package engine

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/loader"
)

// TestELFExportLinksWithC compiles objects to native ELF, links them with
// a small C driver using gcc, runs every program on a few inputs and
// checks r0 and the memory against the in-process JIT.
func TestELFExportLinksWithC(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the native ELF export targets amd64")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	exported := 0
	for _, name := range []string{"globals.o", "calls.o", "calls_v4.o", "endian.o", "switch.o", "v4.o", "bench_main.o", "atomics.o"} {
		object := testObject(t, name)
		data, header, err := CompileELF(object, CompileOptions{OptLevel: 2})
		if err != nil {
			t.Logf("%s: not exportable: %v", name, err)
			continue
		}
		base := filepath.Join(dir, strings.TrimSuffix(name, ".o"))
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
void ebpfjit_fault(uint64_t fault, uint64_t pc, uint64_t addr) { printf("fault %%llu at %%llu\n", (unsigned long long)fault, (unsigned long long)pc); }
uint64_t ebpf_helper_get_smp_processor_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) { return 0; }
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
		if out, err := exec.Command(gcc, "-O1", "-o", exe, base+"_driver.c", base+".native.o").CombinedOutput(); err != nil {
			t.Fatalf("%s: linking with gcc: %v\n%s", name, err, out)
		}
		for _, p := range obj.Programs {
			for _, seed := range []int{1, 7} {
				// A fresh collection per run, like a fresh process.
				coll, err := LoadObject(obj, "jit", 2, loader.Options{})
				if err != nil {
					t.Fatal(err)
				}
				mem := make([]byte, 256)
				for i := range mem {
					mem[i] = byte(seed*i + seed)
				}
				want := bytes.Clone(mem)
				r0, err := coll.Program(p.Name).RunInPlace(want)
				coll.Close()
				if err != nil {
					continue
				}
				out, err := exec.Command(exe, p.Name, hex.EncodeToString(mem)).Output()
				if err != nil {
					t.Fatalf("%s %s: %v", name, p.Name, err)
				}
				if got, exp := strings.TrimSpace(string(out)), fmt.Sprintf("%x %x", r0, want); got != exp {
					t.Errorf("%s %s: C gives %s\nJIT gives %s", name, p.Name, got, exp)
				}
				exported++
			}
		}
	}
	if exported == 0 {
		t.Fatal("no program could be exported and run")
	}
	t.Logf("%d runs of exported programs match the JIT", exported)
}
