package ebpfjit_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/ebpfjit/ebpfjit"
)

// TestConcurrentCollection runs one program from 16 goroutines at once on
// every engine (under -race in CI): a hash map whose entries the runs race
// to create and then bump atomically, and a per-CPU counter, one logical
// CPU per goroutine. Every total must be exact.
func TestConcurrentCollection(t *testing.T) {
	const (
		goroutines = 16
		runs       = 200
		keys       = 8
		perRun     = 5
	)
	for _, eng := range []ebpfjit.Engine{ebpfjit.Interpreter, ebpfjit.JIT} {
		t.Run(string(eng), func(t *testing.T) {
			c, err := ebpfjit.Load("testdata/concurrency/counter.o", &ebpfjit.Options{Engine: eng, CPUs: goroutines})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			p, err := c.Program("count")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					ctx := make([]byte, 8)
					for i := 0; i < runs; i++ {
						binary.LittleEndian.PutUint32(ctx[0:], uint32((g+i)%keys))
						binary.LittleEndian.PutUint32(ctx[4:], perRun)
						r0, err := p.RunContext(context.Background(), ctx, &ebpfjit.RunOptions{CPU: g})
						if err != nil || r0 != 0 {
							errs <- fmt.Errorf("goroutine %d run %d: r0 %d, %v", g, i, r0, err)
							return
						}
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			counts, err := c.Map("counts")
			if err != nil {
				t.Fatal(err)
			}
			var total uint64
			for k := uint32(0); k < keys; k++ {
				v, err := counts.Lookup(binary.LittleEndian.AppendUint32(nil, k))
				if err != nil {
					t.Fatalf("key %d: %v", k, err)
				}
				total += binary.LittleEndian.Uint64(v)
			}
			if want := uint64(goroutines * runs * perRun); total != want {
				t.Errorf("counts total %d, want %d", total, want)
			}
			perCPU, err := c.Map("runs")
			if err != nil {
				t.Fatal(err)
			}
			vals, err := perCPU.LookupPerCPU(make([]byte, 4))
			if err != nil {
				t.Fatal(err)
			}
			for cpu, v := range vals {
				if got := binary.LittleEndian.Uint64(v); got != runs {
					t.Errorf("runs on cpu %d: %d, want %d", cpu, got, runs)
				}
			}
		})
	}
}
