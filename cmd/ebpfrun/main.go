// Command ebpfrun runs programs compiled ahead of time (ebpfjit compile)
// and nothing else: it links the runtime without the compiler, which is
// what an embedder that ships artifacts gets. Its test checks that the
// compiler packages stay out of its import graph.
//
// Usage: ebpfrun [-program NAME] [-mem FILE] ARTIFACT
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

func main() {
	program := flag.String("program", "", "program to run (needed when the artifact has several)")
	memFile := flag.String("mem", "", "file holding the input memory")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ebpfrun [-program NAME] [-mem FILE] ARTIFACT")
		os.Exit(2)
	}
	r0, err := run(flag.Arg(0), *program, *memFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ebpfrun:", err)
		os.Exit(1)
	}
	fmt.Printf("0x%x\n", r0)
}

func run(path, program, memFile string) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	a, err := artifact.Unmarshal(data)
	if err != nil {
		return 0, err
	}
	coll, err := a.Load(native.HostFeatures(), loader.Options{})
	if err != nil {
		return 0, err
	}
	defer coll.Close()
	names := coll.Programs()
	if program == "" {
		if len(names) != 1 {
			return 0, fmt.Errorf("the artifact has programs %v: choose one with -program", names)
		}
		program = names[0]
	}
	p := coll.Program(program)
	if p == nil {
		return 0, fmt.Errorf("no program %q in %v", program, names)
	}
	var mem []byte
	if memFile != "" {
		if mem, err = os.ReadFile(memFile); err != nil {
			return 0, err
		}
	}
	return p.RunInPlace(mem)
}
