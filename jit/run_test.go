package jit_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

func hostSupported(t testing.TB) {
	if !slices.Contains(jit.Arches(), runtime.GOARCH) {
		t.Skipf("no backend for %s", runtime.GOARCH)
	}
}

func compile(t testing.TB, src string, level int, helpers *vm.Helpers) *native.Program {
	t.Helper()
	hostSupported(t)
	prog, err := asm.Assemble(src)
	if err != nil {
		t.Fatal(err)
	}
	res, err := jit.Compile(prog, jit.Options{OptLevel: level, Helpers: helpers})
	if err != nil {
		t.Fatal(err)
	}
	p, err := native.Load(res.Code, helpers)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// counterHelpers gives helper 1000 a counter and a checksum of the
// arguments it saw, so a test can tell every exit happened, in order,
// with the right arguments.
type recorder struct {
	calls int
	sum   uint64
}

func counterHelpers(rec *recorder) *vm.Helpers {
	h := vm.BaseHelpers()
	h.Register(1000, "record", func(_ *vm.Env, r1, r2, r3, r4, r5 uint64) (uint64, error) {
		rec.calls++
		rec.sum = rec.sum*31 + r1 + 3*r2 + 5*r3 + 7*r4 + 11*r5
		return r1 ^ r5, nil
	})
	h.Register(1001, "fail", func(*vm.Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
		return 0, errors.New("refused")
	})
	return h
}

// helperLoop calls helper 1000 a thousand times in a loop, keeping values
// in callee-saved and promoted registers across the calls, and folds the
// results into r0.
const helperLoop = `
	mov %r6, 0          # loop counter
	mov %r7, 12345      # accumulator
	lddw %r8, 0x0123456789abcdef
	stxdw [%r10-8], %r8
loop:
	mov %r1, %r6
	mov %r2, %r7
	mov %r3, 3
	mov %r4, %r8
	mov %r5, 77
	call 1000
	add %r7, %r0
	ldxdw %r9, [%r10-8]
	xor %r7, %r9
	add %r9, 1
	stxdw [%r10-8], %r9
	add %r6, 1
	jlt %r6, 1000, loop
	mov %r0, %r7
	exit`

// TestHelperExitsKeepState checks that a thousand exits to Go and
// re-entries per run keep every register and stack slot exact.
func TestHelperExitsKeepState(t *testing.T) {
	prog, err := asm.Assemble(helperLoop)
	if err != nil {
		t.Fatal(err)
	}
	var want recorder
	ip, err := interp.New(prog, interp.Options{Helpers: counterHelpers(&want)})
	if err != nil {
		t.Fatal(err)
	}
	wantR0, err := ip.Run(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []int{0, 2} {
		var got recorder
		p := compile(t, helperLoop, level, counterHelpers(&got))
		for run := 0; run < 3; run++ {
			got = recorder{}
			r0, err := p.Run(nil)
			if err != nil {
				t.Fatal(err)
			}
			if r0 != wantR0 || got != want {
				t.Fatalf("-O%d run %d: r0 %#x calls %d sum %#x; interpreter r0 %#x calls %d sum %#x",
					level, run, r0, got.calls, got.sum, wantR0, want.calls, want.sum)
			}
		}
	}
}

// TestHelperError checks that a helper's error stops the program with a
// RunError naming the call.
func TestHelperError(t *testing.T) {
	p := compile(t, "mov %r0, 1\ncall 1001\nexit", 2, counterHelpers(&recorder{}))
	_, err := p.Run(nil)
	var re *vm.RunError
	if !errors.As(err, &re) || re.Fault != vm.FaultHelper || re.PC != 1 {
		t.Fatalf("got %v, want a helper fault at instruction 1", err)
	}
}

// TestConcurrentRuns runs one compiled program from 16 goroutines at once,
// each with its own input, and checks every result (run with -race).
func TestConcurrentRuns(t *testing.T) {
	src := `
	mov %r0, 0
	mov %r3, 0
loop:
	mov %r4, %r1
	add %r4, %r3
	ldxb %r5, [%r4+0]
	add %r0, %r5
	mul %r0, 31
	stxb [%r4+0], %r0
	add %r3, 1
	jlt %r3, %r2, loop
	exit`
	p := compile(t, src, 2, nil)
	prog, _ := asm.Assemble(src)
	ip, err := interp.New(prog, interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				in := make([]byte, 64+g)
				for j := range in {
					in[j] = byte(g*7 + i + j)
				}
				want := append([]byte(nil), in...)
				wantR0, _ := ip.Run(want)
				r0, err := p.Run(in)
				if err != nil || r0 != wantR0 || string(in) != string(want) {
					errs <- fmt.Errorf("goroutine %d run %d: r0 %#x err %v, want %#x", g, i, r0, err, wantR0)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFaults checks that faults in native code come back as the same
// RunError the interpreter gives.
func TestFaults(t *testing.T) {
	cases := []struct {
		name, src string
		mem       []byte
		fault     vm.Fault
		pc        int
	}{
		{"load past input", "ldxdw %r0, [%r1+1]\nexit", make([]byte, 8), vm.FaultOutOfBounds, 0},
		{"store without input", "stw [%r1+0], 1\nmov %r0, 0\nexit", nil, vm.FaultOutOfBounds, 0},
		{"stack through pointer below", "mov %r1, %r10\nadd %r1, -5000\nldxb %r0, [%r1+0]\nexit", nil, vm.FaultOutOfBounds, 2},
		{"misaligned atomic", "mov %r2, 1\nlock add [%r1+1], %r2\nmov %r0, 0\nexit", make([]byte, 16), vm.FaultMisaligned, 1},
		{"recursion", "f:\ncall local f\nexit", nil, vm.FaultCallDepth, 0},
		{"bad callx", "lddw %r2, 0x100000000\ncall %r2\nexit", nil, vm.FaultBadCallTarget, 2},
	}
	for _, c := range cases {
		for _, level := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/O%d", c.name, level), func(t *testing.T) {
				p := compile(t, c.src, level, nil)
				_, err := p.Run(append([]byte(nil), c.mem...))
				var re *vm.RunError
				if !errors.As(err, &re) || re.Fault != c.fault || re.PC != c.pc {
					t.Fatalf("got %v, want %v at instruction %d", err, c.fault, c.pc)
				}
				prog, _ := asm.Assemble(c.src)
				ip, _ := interp.New(prog, interp.Options{})
				_, ierr := ip.Run(append([]byte(nil), c.mem...))
				var ire *vm.RunError
				if !errors.As(ierr, &ire) || ire.Fault != re.Fault || ire.PC != re.PC {
					t.Fatalf("interpreter says %v, jit says %v", ierr, err)
				}
			})
		}
	}
}

var _ = isa.Decode

// TestInstanceReuse runs one Instance many times, changing what each run
// may touch: the input buffer and length, and the extra regions of a
// binding. A run must see exactly its own regions, never a stale one from
// the run before (the context keeps them between runs to save work).
func TestInstanceReuse(t *testing.T) {
	for _, level := range []int{0, 2} {
		// r0 = the byte at the address in input[0:8], plus r2 (the length).
		p := compile(t, `
			ldxdw %r3, [%r1+0]
			ldxb %r0, [%r3+0]
			add %r0, %r2
			exit`, level, nil)
		m := p.NewInstance()
		extra, other := []byte{40}, []byte{50}
		binding := &vm.Binding{Regions: []vm.Region{vm.RegionOf("extra", extra, vm.PermRead)}}
		binding2 := &vm.Binding{Regions: []vm.Region{vm.RegionOf("other", other, vm.PermRead)}}
		// Two regions, the higher one last: a search that finds it
		// leaves the hint on the second entry.
		pair := make([]byte, 64)
		pair[40] = 60
		binding3 := &vm.Binding{Regions: []vm.Region{vm.RegionOf("low", pair[:8], vm.PermRead), vm.RegionOf("high", pair[40:48], vm.PermRead)}}
		small, large := make([]byte, 8), make([]byte, 32)
		large[31] = 7
		at := func(b []byte, i int) uintptr { return uintptr(unsafe.Pointer(&b[i])) }
		steps := []struct {
			mem   []byte
			ptr   uintptr // written to mem[0:8] before the run
			b     *vm.Binding
			want  uint64
			fault bool
		}{
			{small, at(extra, 0), binding, 40 + 8, false},
			{small, at(extra, 0), nil, 0, true}, // the region is gone
			{small, at(extra, 0), binding, 40 + 8, false},
			{large, at(extra, 0), binding, 40 + 32, false},
			{large, at(extra, 0), nil, 0, true},
			{large, at(extra, 0) + 1, binding, 0, true}, // one past the region
			{large, at(large, 31), nil, 7 + 32, false},
			{large, at(large, 31), nil, 7 + 32, false},
			{large[:16], at(large, 31), nil, 0, true}, // past the shorter input
			{small, at(large, 31), nil, 0, true},      // large is not this run's input
			{small, at(small, 7), &vm.Binding{}, 0 + 8, false},
			{large[:16], at(large, 15), nil, 0 + 16, false},
			{large[:16], at(large, 31), nil, 0, true}, // past the shorter input
			// Another binding's table replaces the first (and the
			// region the last search found with it).
			{small, at(extra, 0), binding, 40 + 8, false},
			{small, at(extra, 0), binding2, 0, true},
			{small, at(other, 0), binding2, 50 + 8, false},
			{small, at(other, 0), binding, 0, true},
			{small, at(extra, 0), binding, 40 + 8, false},
			{small, at(pair, 40), binding3, 60 + 8, false},
			{small, at(pair, 40), binding2, 0, true}, // not a stale second entry
			{small, at(pair, 40), binding3, 60 + 8, false},
			{small, at(pair, 40), nil, 0, true},
		}
		for i, s := range steps {
			binary.LittleEndian.PutUint64(s.mem, uint64(s.ptr))
			got, err := m.RunWith(s.mem, s.b)
			if s.fault {
				var re *vm.RunError
				if !errors.As(err, &re) {
					t.Fatalf("-O%d step %d: %#x, %v; want an out-of-bounds fault", level, i, got, err)
				}
				continue
			}
			if err != nil || got != s.want {
				t.Fatalf("-O%d step %d: %#x, %v; want %#x", level, i, got, err, s.want)
			}
		}
		runtime.KeepAlive(extra)
		runtime.KeepAlive(other)
		runtime.KeepAlive(pair)
	}
}

// TestRegionTable checks the out-of-line checker's binary search over
// tables of many regions, some adjacent, with every permission: for each
// region, accesses of each size and kind (load, store, atomic add) at and
// around both ends must succeed exactly when they fit one region that
// allows them, and otherwise fault with the kind vm.PermFault gives, as
// in the interpreter.
func TestRegionTable(t *testing.T) {
	hostSupported(t)
	type kind struct {
		name  string
		perm  vm.Perm
		sizes []int
		src   func(size int) string
	}
	width := map[int]string{1: "b", 2: "h", 4: "w", 8: "dw"}
	kinds := []kind{
		{"load", vm.PermRead, []int{1, 2, 4, 8}, func(n int) string {
			return fmt.Sprintf("ldxdw %%r3, [%%r1+0]\nldx%s %%r0, [%%r3+0]\nexit", width[n])
		}},
		{"store", vm.PermWrite, []int{1, 2, 4, 8}, func(n int) string {
			return fmt.Sprintf("ldxdw %%r3, [%%r1+0]\nst%s [%%r3+0], 1\nmov %%r0, 0\nexit", width[n])
		}},
		{"atomic", vm.PermRW, []int{4, 8}, func(n int) string {
			op := "lock add"
			if n == 4 {
				op = "lock add32"
			}
			return fmt.Sprintf("ldxdw %%r3, [%%r1+0]\nmov %%r2, 1\n%s [%%r3+0], %%r2\nmov %%r0, 0\nexit", op)
		}},
	}
	buf := make([]uint64, 8192)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*8)
	perms := []vm.Perm{vm.PermRW, vm.PermRead, vm.PermWrite}
	rnd := uint64(12345)
	next := func(n uint64) uint64 { rnd = rnd*6364136223846793005 + 1442695040888963407; return (rnd >> 33) % n }
	for _, count := range []int{1, 2, 3, 7, 16, 33} {
		var regions []vm.Region
		off := uint64(64)
		for i := range count {
			off += 8 * next(3) // sometimes adjacent to the previous one
			n := 1 + next(40)
			regions = append(regions, vm.RegionOf(fmt.Sprintf("r%d", i), mem[off:off+n], perms[next(3)]))
			off += n
		}
		if err := vm.CheckRegions(regions); err != nil {
			t.Fatal(err)
		}
		binding := &vm.Binding{Regions: regions}
		// want is the fault of an access to [addr, addr+size) needing perm.
		want := func(addr uint64, size int, perm vm.Perm) vm.Fault {
			for _, r := range regions {
				if addr >= r.Start && addr+uint64(size) <= r.Start+r.Len {
					return vm.PermFault(r.Perm, perm)
				}
			}
			return vm.FaultOutOfBounds
		}
		for _, k := range kinds {
			for _, size := range k.sizes {
				src := k.src(size)
				prog, err := asm.Assemble(src)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := interp.New(prog, interp.Options{})
				if err != nil {
					t.Fatal(err)
				}
				engines := map[string]func([]byte, *vm.Binding) (uint64, error){"interp": ref.RunWith}
				for _, level := range []int{0, 2} {
					engines[fmt.Sprintf("jit-O%d", level)] = compile(t, src, level, nil).NewInstance().RunWith
				}
				for _, r := range regions {
					end := r.Start + r.Len
					for _, addr := range []uint64{r.Start - 1, r.Start, end - uint64(size), end - uint64(size) + 1, end - 1, end} {
						if k.perm == vm.PermRW && addr%uint64(size) != 0 {
							continue // misaligned atomics fault for that
						}
						input := binary.LittleEndian.AppendUint64(nil, addr)
						exp := want(addr, size, k.perm)
						for name, run := range engines {
							_, err := run(input, binding)
							got := vm.FaultNone
							var re *vm.RunError
							if errors.As(err, &re) {
								got = re.Fault
							} else if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							if got != exp {
								t.Errorf("%d regions, %s: %d-byte %s at %s%+d: %v, want %v", count, name, size, k.name,
									r.Name, int64(addr-r.Start), got, exp)
							}
						}
					}
				}
			}
		}
		runtime.KeepAlive(buf)
	}
}
