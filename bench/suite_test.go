package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/loader"
)

// independent computes every expected result a second way, without the
// algorithm of the program (or from what the input generator knows).
var independent = map[string]func() uint64{
	"simple":          func() uint64 { return 42 },
	"memory_a_plus_b": func() uint64 { return 0x6a09e667 + 0x3c6ef372 },
	"log2_int": func() uint64 {
		mem, sum := log2Ints(), uint64(0)
		for i := 0; i < len(mem); i += 8 {
			if x := binary.LittleEndian.Uint64(mem[i:]); x != 0 {
				sum += uint64(bits.Len64(x) - 1)
			}
		}
		return sum
	},
	"prime": func() uint64 { // sieve of Eratosthenes
		composite := make([]bool, 10000)
		count := uint64(0)
		for n := 2; n < len(composite); n++ {
			if !composite[n] {
				count++
				for m := n * n; m < len(composite); m += n {
					composite[m] = true
				}
			}
		}
		return count
	},
	"memcpy": func() uint64 { // sample the source: the copy is the identity
		src, sum := memcpyInput(), uint64(0)
		for k := uint64(0); k < 256; k++ {
			sum += uint64(src[4096*k+37*k%4096]) * (k + 1)
		}
		return sum
	},
	"strcmp_fail": func() uint64 {
		mem := strcmpPair(true)
		a, b := mem[:halfMiB], mem[halfMiB:]
		i := 0
		for a[i] == b[i] {
			i++
		}
		if bytes.Compare(a, b) <= 0 || bytes.IndexByte(a[:i], 0) >= 0 {
			return 0
		}
		return uint64(a[i] - b[i])
	},
	"strcmp_full": func() uint64 {
		mem := strcmpPair(false)
		a, b := mem[:halfMiB], mem[halfMiB:]
		if bytes.IndexByte(a, 0) != halfMiB-1 || !bytes.Equal(a, b) {
			return 1
		}
		return 0
	},
	"switch": func() uint64 { // interpret the case table, computed afresh
		mem, acc := switchInput(), uint64(0)
		for i := uint64(0); i < switchN; i++ {
			k := uint64(binary.LittleEndian.Uint32(mem[4*i:]))
			c, s := splitmix((k+1)*0x9e3779b97f4a7c15), int(k%63+1)
			switch k % 8 {
			case 0:
				acc += c
			case 1:
				acc ^= c
			case 2:
				acc *= c | 1
			case 3:
				acc = acc<<s | acc>>(64-s)
			case 4:
				acc -= i ^ c
			case 5:
				acc ^= acc >> s
			case 6:
				acc += acc << s
			case 7:
				acc = ^acc ^ c
			}
		}
		return uint64(uint32(acc ^ acc>>32))
	},
	"packet_parse": func() uint64 { // the tuples the generator wrote
		sum := uint32(0)
		for _, f := range packets().frames {
			if f.valid {
				sum += tupleHash(f.saddr, f.daddr, f.ports, f.proto)
			}
		}
		return uint64(sum)
	},
	"crc32": func() uint64 { return uint64(crc32.ChecksumIEEE(crcInput())) },
	"wordcount": func() uint64 { // count the generator's words by string
		counts := map[string]uint64{}
		most := uint64(0)
		for _, w := range wordText().words {
			counts[w]++
			most = max(most, counts[w])
		}
		return uint64(len(counts))<<16 | most
	},
	"sort": func() uint64 {
		mem := sortInput()
		v := make([]int32, sortN)
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint32(mem[4*i:]))
		}
		slices.Sort(v)
		sum := uint32(0)
		for i, x := range v {
			sum += uint32(x) * uint32(i+1)
		}
		return uint64(sum)
	},
	"call_chain": func() uint64 { // the chain written out as one expression
		mem, acc := randomWords(chainN, 0xca11), uint64(0)
		for i := uint64(0); i < chainN; i++ {
			x := binary.LittleEndian.Uint64(mem[8*i:]) + i
			a, b := x^0xabcdef, x>>3
			z := a >> 7
			p, q := a*3, b+z
			u, w := p+q, q^0x5555
			f6 := (u^u>>31)*0x94d049bb133111eb + w
			f1 := ((f6 ^ p) - z + 1) ^ i
			acc = acc*31 + f1
		}
		return uint64(uint32(acc ^ acc>>32))
	},
	"atomic_counters": func() uint64 { // sum of n(n-1)/2 over the histogram
		mem := counterInput()
		var hist [counterSlots]uint64
		for i := 0; i < counterN; i++ {
			hist[mem[4*i]%counterSlots]++
		}
		sum := uint64(0)
		for _, n := range hist {
			sum += n * (n - 1) / 2
		}
		return uint64(uint32(sum))
	},
	"ringbuf": func() uint64 { return ringN },
}

func TestSuiteSpecs(t *testing.T) {
	names := map[string]bool{}
	for _, s := range Suite {
		if names[s.Name] {
			t.Errorf("duplicate name %q", s.Name)
		}
		names[s.Name] = true
		if s.Want >= 1<<32 {
			t.Errorf("%s: Want %#x does not fit the kernel's 32-bit r0", s.Name, s.Want)
		}
		if s.Mutates {
			t.Errorf("%s: the suite's programs are meant to be rerunnable on their own output", s.Name)
		}
		if (s.Reset == nil) != (s.ResetEvery == 0) {
			t.Errorf("%s: Reset and ResetEvery go together", s.Name)
		}
		if _, err := os.Stat(s.Object); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if s.Kernel != nil {
			if _, err := os.Stat(s.Kernel.Object); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
		a, b := s.Input(), s.Input()
		if len(a) > 0 {
			a[0] ^= 0xff
			if bytes.Equal(a, b) {
				t.Errorf("%s: Input returns shared memory", s.Name)
			}
		}
		if Lookup(s.Name) != s {
			t.Errorf("Lookup(%q) fails", s.Name)
		}
	}
}

// TestWant checks every expected result against the Go baseline and an
// independent computation.
func TestWant(t *testing.T) {
	for _, s := range Suite {
		mem := s.Input()
		if got := s.Go(mem); got != s.Want {
			t.Errorf("%s: Go baseline gives %#x, want %#x", s.Name, got, s.Want)
		}
		if got := s.Go(mem); got != s.Want {
			t.Errorf("%s: Go baseline on its own output gives %#x, want %#x", s.Name, got, s.Want)
		}
		ind, ok := independent[s.Name]
		if !ok {
			t.Errorf("%s: no independent computation", s.Name)
			continue
		}
		if got := ind(); got != s.Want {
			t.Errorf("%s: independent computation gives %#x, want %#x", s.Name, got, s.Want)
		}
	}
}

// TestInputs checks properties the programs and their descriptions rely
// on.
func TestInputs(t *testing.T) {
	ps := packets()
	kinds := map[string]int{}
	for _, f := range ps.frames {
		switch {
		case !f.valid:
			kinds["invalid"]++
		case f.ports == 0:
			kinds["no ports"]++
		default:
			kinds["ports"]++
		}
	}
	if kinds["invalid"] < 50 || kinds["no ports"] < 50 || kinds["ports"] < 500 {
		t.Errorf("packet mix %v", kinds)
	}
	used := binary.LittleEndian.Uint32(ps.mem[4:])
	t.Logf("packet_parse: %d frames in %d bytes, %v", len(ps.frames), used, kinds)

	ts := wordText()
	hashes := map[uint64]string{}
	for _, w := range ts.words {
		h := uint64(fnvOffset)
		for _, c := range []byte(w) {
			h = (h ^ uint64(c)) * fnvPrime
		}
		if o, ok := hashes[h]; ok && o != w {
			t.Fatalf("FNV-1a collision between %q and %q", o, w)
		}
		hashes[h] = w
	}
	if len(hashes) > 4096 {
		t.Errorf("%d distinct words do not fit the 4096-entry map", len(hashes))
	}
	t.Logf("wordcount: %d words, %d distinct, %d text bytes", len(ts.words), len(hashes), binary.LittleEndian.Uint32(ts.mem))

	sw := switchInput()
	seen := map[uint32]bool{}
	for i := 0; i < len(sw); i += 4 {
		seen[binary.LittleEndian.Uint32(sw[i:])] = true
	}
	if len(seen) != 64 {
		t.Errorf("switch input takes %d distinct values, want all 64", len(seen))
	}
}

type engineCase struct {
	name  string
	level int
}

func enginesUnderTest(t *testing.T) []engineCase {
	out := []engineCase{{"interp", 0}}
	if err := engine.Check("jit"); err != nil {
		t.Logf("jit: %v", err)
		return out
	}
	return append(out, engineCase{"jit", 0}, engineCase{"jit", 2})
}

// TestEngines runs every program twice on the same collection and the
// same memory with every engine.
func TestEngines(t *testing.T) {
	for _, s := range Suite {
		t.Run(s.Name, func(t *testing.T) {
			for _, e := range enginesUnderTest(t) {
				c, err := s.Load(e.name, e.level, loader.Options{})
				if err != nil {
					t.Fatalf("%s -O%d: %v", e.name, e.level, err)
				}
				defer c.Close()
				p := c.Program(s.Program)
				mem := s.Input()
				for run := 0; run < 2; run++ {
					got, err := p.RunInPlace(mem)
					if err != nil || got != s.Want {
						t.Errorf("%s -O%d run %d: %#x, %v; want %#x", e.name, e.level, run, got, err, s.Want)
					}
				}
				if s.Writes == bytes.Equal(mem, s.Input()) {
					t.Errorf("%s -O%d: Writes is %v, but the input changed: %v", e.name, e.level, s.Writes, !s.Writes)
				}
				if s.Name == "ringbuf" {
					checkRing(t, c, s)
				}
				if s.Reset != nil {
					if err := s.Reset(c); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

// checkRing reads the records of the two runs of TestEngines and checks
// them against the Go baseline's.
func checkRing(t *testing.T, c *loader.Collection, s *Spec) {
	in := s.Input()
	r, err := c.Map("events").NewReader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for run := 0; run < 2; run++ {
		for i := 0; i < ringN; i++ {
			rec, err := r.ReadNonBlocking()
			if err != nil {
				t.Fatalf("run %d record %d: %v", run, i, err)
			}
			want := binary.LittleEndian.AppendUint64(nil, uint64(i))
			want = binary.LittleEndian.AppendUint64(want, binary.LittleEndian.Uint64(in[8*i:])*0x9e3779b97f4a7c15)
			if !bytes.Equal(rec, want) {
				t.Fatalf("run %d record %d: %x, want %x", run, i, rec, want)
			}
		}
	}
	if _, err := r.ReadNonBlocking(); err == nil {
		t.Error("more records than the runs emitted")
	}
}

// TestRingReset checks that the ring buffer program needs its Reset: past
// the ring's capacity outputs fail, and a reset restores them.
func TestRingReset(t *testing.T) {
	s := Lookup("ringbuf")
	c, err := s.Load("interp", 0, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, mem := c.Program(s.Program), s.Input()
	for run := 0; run < 342; run++ {
		got, err := p.RunInPlace(mem)
		if err != nil {
			t.Fatal(err)
		}
		if full := run >= 341; (got != s.Want) != full {
			t.Fatalf("run %d: %d records", run, got)
		}
	}
	if err := s.Reset(c); err != nil {
		t.Fatal(err)
	}
	if got, err := p.RunInPlace(mem); err != nil || got != s.Want {
		t.Fatalf("after reset: %d, %v", got, err)
	}
}

// TestKernelPeers runs every kernel peer in the kernel (as root).
func TestKernelPeers(t *testing.T) {
	for _, s := range Suite {
		t.Run(s.Name, func(t *testing.T) {
			k, err := KernelPeer(s)
			if errors.Is(err, ErrKernelUnavailable) || errors.Is(err, ErrNoKernelPeer) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			iterations := []int{1, 3}
			if s.Kernel.DrainEvery > 0 {
				iterations = append(iterations, 3*s.Kernel.DrainEvery+1)
			}
			for _, n := range iterations {
				got, per, err := k.Run(n)
				if err != nil || got != uint64(uint32(s.Want)) {
					t.Errorf("%d runs: %#x, %v; want %#x", n, got, err, s.Want)
				}
				t.Logf("%d runs: %v per run", n, per)
			}
		})
	}
}

// TestObjectsUpToDate rebuilds the objects with build.sh into a temporary
// directory and compares them with the committed ones.
func TestObjectsUpToDate(t *testing.T) {
	clang := os.Getenv("CLANG")
	if clang == "" {
		clang = "clang-19"
	}
	if _, err := exec.LookPath(clang); err != nil {
		t.Skipf("%s not found", clang)
	}
	if _, err := os.Stat("/usr/include/bpf/bpf_helpers.h"); err != nil {
		t.Skip("libbpf-dev headers not found")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", "programs/build.sh")
	cmd.Env = append(os.Environ(), "OUT="+out, "CLANG="+clang)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, msg)
	}
	built, err := filepath.Glob(filepath.Join(out, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	kbuilt, _ := filepath.Glob(filepath.Join(out, "kernel", "*.o"))
	built = append(built, kbuilt...)
	committed, _ := filepath.Glob("programs/*.o")
	kcommitted, _ := filepath.Glob("programs/kernel/*.o")
	if len(built) != len(committed)+len(kcommitted) {
		t.Errorf("build.sh builds %d objects, %d are committed", len(built), len(committed)+len(kcommitted))
	}
	for _, b := range built {
		rel := strings.TrimPrefix(b, out+string(filepath.Separator))
		want, err := os.ReadFile(filepath.Join("programs", rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		got, _ := os.ReadFile(b)
		if !bytes.Equal(got, want) {
			t.Errorf("programs/%s is not what build.sh builds from its source (rerun bench/programs/build.sh)", rel)
		}
	}
}
