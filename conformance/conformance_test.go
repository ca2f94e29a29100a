package conformance_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
)

// ownCases is the project's own suite; sharedSuite is the public
// bpf_conformance suite, which sits beside the project when available.
var (
	ownCases    = filepath.Join("..", "testdata", "conformance")
	sharedSuite = filepath.Join("..", "..", "shared", "conformance", "bpf_conformance")
)

type namedBuilder struct {
	name string
	Builder
}

func builder(name string, opts engine.Options) Builder {
	return Builder{Build: func(prog []isa.Instruction) (Program, error) { return engine.New(name, prog, opts) }}
}

// engines lists the engine configurations every case runs on.
func engines(t *testing.T) []namedBuilder {
	builders := []namedBuilder{{"interp", builder("interp", engine.Options{})}}
	if err := engine.Check("jit"); err != nil {
		t.Logf("jit engine not tested: %v", err)
		return builders
	}
	return append(builders,
		namedBuilder{"jit-O0", builder("jit", engine.Options{OptLevel: 0})},
		namedBuilder{"jit-O2", builder("jit", engine.Options{OptLevel: 2})})
}

func runSuite(t *testing.T, dir string, minFiles int) {
	files, err := Files([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < minFiles {
		t.Fatalf("%s has %d cases, want at least %d", dir, len(files), minFiles)
	}
	for _, b := range engines(t) {
		t.Run(b.name, func(t *testing.T) {
			var sum Summary
			for _, f := range files {
				res := b.RunFile(f)
				switch res.Status {
				case Pass:
					sum.Passed++
				case Skip:
					sum.Skipped++
					t.Logf("skip %s: %s", f, res.Detail)
				case Fail:
					sum.Failed++
					t.Errorf("%s: %s", f, res.Detail)
				}
			}
			t.Logf("%s: %s", dir, sum)
		})
	}
}

func TestOwnCases(t *testing.T) {
	runSuite(t, ownCases, 150)
}

func TestSharedSuite(t *testing.T) {
	if _, err := os.Stat(sharedSuite); err != nil {
		t.Skipf("public bpf_conformance suite not found at %s: %v", sharedSuite, err)
	}
	runSuite(t, sharedSuite, 313)
}
