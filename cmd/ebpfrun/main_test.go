package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoCompiler proves an artifact runner needs none of the compiler:
// the import graph of this command excludes the IR, the allocator, the
// backends and the interpreter.
func TestNoCompiler(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v: %s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"/ir", "/regalloc", "/jit", "/jit/amd64", "/jit/arm64", "/interp", "/engine"} {
			if pkg == "github.com/ebpfjit/ebpfjit"+banned {
				t.Errorf("the artifact runner imports %s", pkg)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/ebpfjit/ebpfjit/loader/native") {
		t.Errorf("go list output does not look like this command's dependencies:\n%s", out)
	}
}
