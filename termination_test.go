package ebpfjit_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ebpfjit/ebpfjit"
)

// jaSelf is `ja -1`: uBPF's err-infinite-loop, a jump to itself.
var jaSelf = []byte{0x05, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00}

// countdown loops r1 times (r1 = 2^62 here: for ever, in practice) and
// returns 0: `mov r1, 1<<62; loop: sub r1, 1; jne r1, 0, loop; mov r0, 0;
// exit`.
var countdown = []byte{
	0x18, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, // lddw r1, 1<<62
	0x17, 0x01, 0, 0, 1, 0, 0, 0, // sub r1, 1
	0x55, 0x01, 0xfe, 0xff, 0, 0, 0, 0, // jne r1, 0, -2
	0xb7, 0x00, 0, 0, 0, 0, 0, 0, // mov r0, 0
	0x95, 0, 0, 0, 0, 0, 0, 0, // exit
}

var engines = []struct {
	name string
	opts *ebpfjit.Options
}{
	{"interp", &ebpfjit.Options{Engine: ebpfjit.Interpreter}},
	{"jit-O0", &ebpfjit.Options{NoOptimize: true}},
	{"jit-O2", &ebpfjit.Options{}},
}

func newProgram(t testing.TB, code []byte, opts *ebpfjit.Options) *ebpfjit.Program {
	t.Helper()
	coll, p, err := ebpfjit.NewProgram(code, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coll.Close() })
	return p
}

// TestInfiniteLoopEnds: `ja -1` ends with a budget or a timeout on every
// engine, naming the instruction; the budget stops it after exactly as
// many polls everywhere.
func TestInfiniteLoopEnds(t *testing.T) {
	for _, e := range engines {
		p := newProgram(t, jaSelf, e.opts)
		_, err := p.RunContext(context.Background(), nil, &ebpfjit.RunOptions{Budget: 1000})
		var re *ebpfjit.RunError
		if !errors.As(err, &re) || re.PC != 0 || re.Fault.String() != "budget exhausted" {
			t.Errorf("%s, budget 1000: %v; want budget exhausted at instruction 0", e.name, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err = p.RunContext(ctx, nil, nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) || re.PC != 0 {
			t.Errorf("%s, 50 ms timeout: %v; want a deadline error at instruction 0", e.name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: a 50 ms timeout took %v", e.name, d)
		}
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		if _, err = p.RunContext(ctx, nil, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%s, cancelled context: %v", e.name, err)
		}
	}
}

// TestBudgetCountsPolls: the poll points are the function's first
// instruction and the loop's head, which runs once per iteration; a
// budget one short stops at the head.
func TestBudgetCountsPolls(t *testing.T) {
	// mov r1, 10; loop: sub r1, 1; jne r1, 0, loop; mov r0, 7; exit
	code := []byte{
		0xb7, 0x01, 0, 0, 10, 0, 0, 0,
		0x17, 0x01, 0, 0, 1, 0, 0, 0,
		0x55, 0x01, 0xfe, 0xff, 0, 0, 0, 0,
		0xb7, 0x00, 0, 0, 7, 0, 0, 0,
		0x95, 0, 0, 0, 0, 0, 0, 0,
	}
	for _, e := range engines {
		p := newProgram(t, code, e.opts)
		// The entry and 10 iterations.
		if r0, err := p.RunContext(context.Background(), nil, &ebpfjit.RunOptions{Budget: 11}); err != nil || r0 != 7 {
			t.Errorf("%s, budget 11: %d, %v; want 7", e.name, r0, err)
		}
		_, err := p.RunContext(context.Background(), nil, &ebpfjit.RunOptions{Budget: 10})
		var re *ebpfjit.RunError
		if !errors.As(err, &re) || re.PC != 1 {
			t.Errorf("%s, budget 10: %v; want a stop at instruction 1", e.name, err)
		}
	}
}

// TestRuntimeNotBlockedBySpinningProgram: while a program spins in one
// goroutine, garbage collections complete, timers fire and other
// goroutines run, even with a single P.
func TestRuntimeNotBlockedBySpinningProgram(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			p := newProgram(t, countdown, e.opts)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() {
				_, err := p.RunContext(ctx, nil, nil)
				done <- err
			}()
			time.Sleep(20 * time.Millisecond) // let it spin
			gc := make(chan struct{})
			go func() { runtime.GC(); close(gc) }()
			select {
			case <-gc:
			case <-time.After(10 * time.Second):
				t.Fatal("runtime.GC did not return while the program ran")
			}
			select {
			case <-time.After(time.Millisecond):
			case <-time.After(10 * time.Second):
				t.Fatal("a timer did not fire while the program ran")
			}
			ran := make(chan struct{})
			go func() { close(ran) }()
			select {
			case <-ran:
			case <-time.After(10 * time.Second):
				t.Fatal("another goroutine did not run while the program ran")
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("the spinning run ended with %v, want cancellation", err)
			}
		})
	}
}

// TestCloseWhileRunningConcurrently closes collections while goroutines
// run their programs (spinning ones and short ones): no crash, runs in
// flight end or stop with ErrClosed, and later runs fail with ErrClosed on
// every engine.
func TestCloseWhileRunningConcurrently(t *testing.T) {
	for _, e := range engines {
		for _, code := range [][]byte{countdown, jaSelf} {
			coll, p, err := ebpfjit.NewProgram(code, e.opts)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := p.RunContext(context.Background(), nil, nil)
					errs <- err
				}()
			}
			time.Sleep(100 * time.Millisecond)
			if err := coll.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if !errors.Is(err, ebpfjit.ErrClosed) || !errors.Is(err, os.ErrClosed) {
					t.Errorf("%s: a run in flight at Close ended with %v", e.name, err)
				}
			}
			if _, err := p.Run(nil); !errors.Is(err, ebpfjit.ErrClosed) {
				t.Errorf("%s: a run after Close gave %v, want ErrClosed", e.name, err)
			}
		}
	}
	// Short runs racing Close: each ends with its result or ErrClosed.
	for _, e := range engines {
		coll, p, err := ebpfjit.NewProgram([]byte{0xb7, 0, 0, 0, 3, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}, e.opts)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					r0, err := p.Run(nil)
					if errors.Is(err, ebpfjit.ErrClosed) {
						return
					}
					if err != nil || r0 != 3 {
						t.Errorf("%s: %d, %v", e.name, r0, err)
						return
					}
				}
			}()
		}
		time.Sleep(20 * time.Millisecond)
		coll.Close()
		wg.Wait()
	}
}
