package loader_test

// Bad input: objects the loader must refuse, with an error (never a panic
// or a hang) whose message names the part of the object at fault.

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ebpfjit/ebpfjit"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/loader"
)

// badLimits are the options every bad input is built with: a map memory
// limit well below what a test machine has.
var badLimits = loader.Options{MaxMapMemory: 64 << 20}

// outcomeOf parses data and, when that succeeds, builds the collection with
// the named engine. A panic anywhere is returned as an error starting with
// "PANIC", with its stack.
func outcomeOf(data []byte, eng string, opts loader.Options) (parseErr, loadErr error) {
	defer func() {
		if r := recover(); r != nil {
			loadErr = fmt.Errorf("PANIC: %v\n%s", r, debug.Stack())
		}
	}()
	obj, err := loader.Parse(data, opts.Parse)
	if err != nil {
		return err, nil
	}
	c, err := engine.LoadObject(obj, eng, 0, opts)
	if err != nil {
		return nil, err
	}
	c.Close()
	return nil, nil
}

// withDeadline runs f and fails the test if it takes longer than d (a
// hang), naming what.
func withDeadline(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: still running after %v", what, d)
	}
}

// A bad object: where it must fail and what the message must contain.
type badObject struct {
	file string
	// stage is "parse" when loader.Parse must fail, "load" when Parse
	// may succeed and building the collection must fail, "either" when
	// either is fine.
	stage string
	want  []string // substrings of the error
}

var badObjects = []badObject{
	{"bad_sockmap.o", "parse", []string{`map "sock_map"`, "not supported"}},
	{"bad_perf_array.o", "parse", []string{`map "events"`, "not supported"}},
	{"bad_unknown_helper.o", "load", []string{`program "calls_bogus_helper"`, "unknown helper 9999"}},
	{"bad_kfunc.o", "parse", []string{`program "calls_kfunc"`, "kfunc"}},
	{"bad_extern_fn.o", "parse", []string{`program "calls_missing"`, "undefined_function"}},
	{"bad_no_programs.o", "parse", []string{"program"}},
	// The hash map of 2^32-1 4 KiB values is beyond the memory limit; the
	// error must say which map (an object has many).
	{"bad_huge_map.o", "load", []string{"huge_map"}},
	// Unresolved data references: an extern variable defined nowhere and
	// an untyped __ksym variable. Both must be refused at load, naming
	// the symbol.
	{"bad_extern_var.o", "either", []string{"undefined_variable"}},
	{"bad_ksym_var.o", "either", []string{"bpf_prog_active"}},
	// extern __kconfig variables: there is no kernel config to fill
	// .kconfig with; the error must say so.
	{"bad_kconfig.o", "either", []string{"LINUX_KERNEL_VERSION"}},
}

// TestBadObjects builds every bad_*.o with both engines, through
// loader.Parse + engine.LoadObject, engine.LoadFile and ebpfjit.Load.
func TestBadObjects(t *testing.T) {
	for _, bo := range badObjects {
		t.Run(strings.TrimSuffix(bo.file, ".o"), func(t *testing.T) {
			path := filepath.Join(coreDir, bo.file)
			data := readCoreFile(t, bo.file)
			check := func(how string, err error) {
				t.Helper()
				if err == nil {
					t.Errorf("%s: no error", how)
					return
				}
				msg := err.Error()
				if strings.HasPrefix(msg, "PANIC") {
					t.Fatalf("%s: %s", how, msg)
				}
				for _, w := range bo.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: error %q does not mention %q", how, msg, w)
					}
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("%s: error has several lines: %q", how, msg)
				}
			}
			for _, eng := range []string{"interp", "jit"} {
				perr, lerr := outcomeOf(data, eng, badLimits)
				switch {
				case bo.stage == "parse":
					if perr == nil {
						t.Errorf("%s: Parse succeeded (load: %v)", eng, lerr)
					}
					check(eng+": Parse", perr)
				case bo.stage == "load" && perr != nil:
					t.Errorf("%s: Parse failed, want it to succeed and the load to fail: %v", eng, perr)
				case perr != nil:
					check(eng+": Parse", perr)
				case lerr == nil:
					// Loaded: say what a run makes of it.
					t.Errorf("%s: loads; %s", eng, runFirst(data, eng))
				default:
					check(eng+": LoadObject", lerr)
				}
				_, err := engine.LoadFile(path, eng, 2, badLimits)
				check(eng+": LoadFile", err)
				if err != nil && !strings.Contains(err.Error(), path) {
					t.Errorf("%s: LoadFile: %q does not name the file", eng, err)
				}
			}
			_, err := ebpfjit.Load(path, &ebpfjit.Options{MaxMapMemory: 64 << 20})
			check("ebpfjit.Load", err)
		})
	}
}

// runFirst loads data and runs its first program on 64 zero bytes, and
// says how that went.
func runFirst(data []byte, eng string) string {
	obj, err := loader.Parse(data, loader.ParseOptions{})
	if err != nil {
		return err.Error()
	}
	c, err := engine.LoadObject(obj, eng, 0, badLimits)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	name := c.Programs()[0]
	r0, err := c.Program(name).Run(make([]byte, 64))
	return fmt.Sprintf("running %s gives r0 %#x, error %v", name, r0, err)
}

// TestHugeMapUnderEveryLimit: the oversized map is refused whatever the
// limit (the default 1 GiB included); with 16 entries the same object
// loads, so the size is the only reason.
func TestHugeMapUnderEveryLimit(t *testing.T) {
	data := readCoreFile(t, "bad_huge_map.o")
	for _, limit := range []int{0, 1 << 20, 64 << 20, 1 << 30} {
		_, err := outcomeOf(data, "interp", loader.Options{MaxMapMemory: limit})
		if err == nil || !strings.Contains(err.Error(), "ENOMEM") {
			t.Errorf("limit %d: %v, want an out-of-memory refusal", limit, err)
		}
	}
	// The same object with huge_map small enough loads: the refusal is
	// the size, nothing else.
	obj, err := loader.Parse(data, loader.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range obj.Maps {
		if m.Name == "huge_map" {
			m.MaxEntries = 16
		}
	}
	c, err := engine.LoadObject(obj, "interp", 0, badLimits)
	if err != nil {
		t.Fatalf("with 16 entries: %v", err)
	}
	c.Close()
}

// realObjects are the objects truncation and bit flips start from: a
// CO-RE object, objects with every kind of map, data and calls, tail
// calls, and a .text-only object (the loader's own ELF reader).
var realObjects = []string{
	"../testdata/core/core_prog.o",
	"../testdata/elf/maps.o",
	"../testdata/elf/globals.o",
	"../testdata/elf/tailcall.o",
	"../testdata/elf/ringbuf.o",
	"../testdata/elf/calls.o",
	"../testdata/elf/bench_main.o",
}

// coreTargetFor gives CO-RE objects their target so that the mutated
// objects get through relocation.
func coreTargetFor(t *testing.T, path string) loader.Options {
	opts := badLimits
	if strings.Contains(path, "testdata/core/core_") {
		opts.Parse.CORETarget = loadTarget(t, "core_target_a.o")
	}
	return opts
}

// errorSummary collects distinct error messages (with numbers blanked)
// for the log.
type errorSummary map[string]int

func (s errorSummary) add(err error) {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	s[strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, msg)]++
}

func (s errorSummary) log(t *testing.T, title string) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return s[keys[i]] > s[keys[j]] })
	if len(keys) > 12 {
		keys = keys[:12]
	}
	for _, k := range keys {
		t.Logf("%s: %5d × %s", title, s[k], k)
	}
}

// TestTruncatedObjects parses every proper prefix of real objects: each is
// an error, none panics inside the loader (Parse turns panics of the ELF
// and BTF readers into "malformed ELF object" errors; those are counted
// and logged) and none hangs.
func TestTruncatedObjects(t *testing.T) {
	for _, path := range realObjects {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := coreTargetFor(t, path)
			step := 1
			if testing.Short() {
				step = 7
			}
			summary := errorSummary{}
			recovered := 0
			withDeadline(t, 5*time.Minute, path, func() {
				for n := 0; n < len(data); n += step {
					prefix := append([]byte(nil), data[:n]...)
					perr, lerr := outcomeOf(prefix, "interp", opts)
					if lerr != nil && strings.HasPrefix(lerr.Error(), "PANIC") {
						t.Errorf("prefix of %d bytes: %v", n, lerr)
						return
					}
					err := perr
					if err == nil {
						err = lerr
					}
					if err == nil {
						t.Errorf("prefix of %d of %d bytes loaded", n, len(data))
						continue
					}
					if strings.TrimSpace(err.Error()) == "" {
						t.Errorf("prefix of %d bytes: empty error", n)
					}
					if strings.HasPrefix(err.Error(), "malformed ELF object") {
						recovered++
					}
					summary.add(err)
				}
			})
			summary.log(t, filepath.Base(path))
			if recovered > 0 {
				t.Logf("%d prefixes made the ELF/BTF readers panic (recovered by Parse)", recovered)
			}
		})
	}
}

// TestResizedSections keeps the file whole but changes the size one
// section header declares: to nothing, to a few bytes, to half, one byte
// short, one byte over the end of the file and to 1 TiB. Section readers
// meet short (and absurdly long) BTF, relocation, symbol, string, map and
// code sections. Every outcome is an error or a loaded collection; none
// panics or hangs. (A NOBITS section is never grown here: that makes
// Parse allocate the declared size, TestParseAllocationBound.)
func TestResizedSections(t *testing.T) {
	le := binary.LittleEndian
	for _, path := range realObjects {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := coreTargetFor(t, path)
			f, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			shoff := le.Uint64(data[0x28:])
			shentsize := uint64(le.Uint16(data[0x3A:]))
			summary := errorSummary{}
			loaded, runs := 0, 0
			for i, sec := range f.Sections {
				if sec.Type == elf.SHT_NULL {
					continue
				}
				at := shoff + uint64(i)*shentsize + 0x20 // sh_size
				beyond := uint64(len(data)) - sec.Offset + 1
				for _, size := range []uint64{0, 1, 7, sec.Size / 2, sec.Size - 1, beyond, 1 << 40} {
					if size == sec.Size || size > sec.Size && sec.Type == elf.SHT_NOBITS {
						continue
					}
					mutated := append([]byte(nil), data...)
					le.PutUint64(mutated[at:], size)
					var perr, lerr error
					withDeadline(t, time.Minute, fmt.Sprintf("%s: section %s size %d", path, sec.Name, size), func() {
						perr, lerr = outcomeOf(mutated, "interp", opts)
					})
					runs++
					if lerr != nil && strings.HasPrefix(lerr.Error(), "PANIC") {
						t.Fatalf("section %s with size %d (of %d): %v", sec.Name, size, sec.Size, lerr)
					}
					switch err := errors.Join(perr, lerr); {
					case err == nil:
						loaded++
						checkParse(t, mutated) // and run it
					case strings.TrimSpace(err.Error()) == "":
						t.Errorf("section %s with size %d: empty error", sec.Name, size)
					default:
						summary.add(err)
					}
				}
			}
			t.Logf("%d of %d resized objects loaded", loaded, runs)
			summary.log(t, filepath.Base(path))
		})
	}
}

// TestParseAllocationBound: a NOBITS section (.bss) declares its size in
// the section header and takes no room in the file, so a 16 KB object can
// declare a 4 GB .bss. cilium/ebpf's LoadCollectionSpec allocates the
// declared size (make([]byte, sec.Size), elf_reader.go loadDataSections)
// before anything checks it against a limit: Parse allocates 4 GB, takes
// seconds when the memory has to be zeroed, and a few such sections end
// the process with "fatal error: runtime: out of memory", which the
// recover in Parse cannot catch. MaxMapMemory only applies later, in
// maps.NewSet. The fuzzer found this (testdata/fuzz/FuzzParse/
// 4f54f9ce1cca3bac: its worker hit Go's 10 s per-input limit); this is
// the same thing built from core_prog.o.
func TestParseAllocationBound(t *testing.T) {
	data := readCoreFile(t, "core_prog.o")
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	shoff, shentsize := le.Uint64(data[0x28:]), uint64(le.Uint16(data[0x3A:]))
	found := false
	for i, sec := range f.Sections {
		if sec.Name == ".bss" {
			le.PutUint64(data[shoff+uint64(i)*shentsize+0x20:], 0xFF00003C) // 4 GB - 16 MB
			found = true
		}
	}
	if !found {
		t.Fatal("core_prog.o has no .bss")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = loader.Parse(data, loader.ParseOptions{CORETarget: loadTarget(t, "core_target_a.o")})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("Parse: %v after %v", err, elapsed)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > parseAllocLimit {
		t.Errorf("Parse of a %d-byte object allocated %d MiB (the .bss it declares)", len(data), alloc>>20)
	}
	// Loading must refuse it under the map memory limit, naming .bss.
	_, lerr := outcomeOf(data, "interp", loader.Options{MaxMapMemory: 64 << 20,
		Parse: loader.ParseOptions{CORETarget: loadTarget(t, "core_target_a.o")}})
	if err == nil && (lerr == nil || !strings.Contains(lerr.Error(), ".bss")) {
		t.Errorf("a 4 GB .bss loaded or was refused without naming it: %v", lerr)
	}
}

// flipBits returns a copy of data with n random bits flipped.
func flipBits(rng *rand.Rand, data []byte, n int) []byte {
	out := append([]byte(nil), data...)
	for i := 0; i < n; i++ {
		bit := rng.Intn(len(out) * 8)
		out[bit/8] ^= 1 << (bit % 8)
	}
	return out
}

// TestBitFlippedObjects flips random bits (fixed seed) in real objects:
// parsing and building the collection must end in an error or a loaded
// collection, never a panic or a hang. Collections that load also go
// through checkParse (fuzz_test.go): built with the JIT, and every program
// run once, step-limited, on a zeroed input (runs may fault; that is an
// error, not a panic).
func TestBitFlippedObjects(t *testing.T) {
	flips := 1000
	if testing.Short() {
		flips = 200
	}
	for _, path := range realObjects {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := coreTargetFor(t, path)
			rng := rand.New(rand.NewSource(1))
			summary := errorSummary{}
			loaded, recovered := 0, 0
			for i := 0; i < flips; i++ {
				n := 1
				if i%3 == 2 {
					n = 1 + rng.Intn(8)
				}
				mutated := flipBits(rng, data, n)
				var perr, lerr error
				withDeadline(t, time.Minute, fmt.Sprintf("%s flip #%d", path, i), func() {
					perr, lerr = outcomeOf(mutated, "interp", opts)
				})
				if lerr != nil && strings.HasPrefix(lerr.Error(), "PANIC") {
					name := saveFinding(t, mutated)
					t.Fatalf("flip #%d (saved as %s): %v", i, name, lerr)
				}
				switch {
				case perr != nil:
					summary.add(perr)
					if strings.HasPrefix(perr.Error(), "malformed ELF object") {
						recovered++
					}
				case lerr != nil:
					summary.add(lerr)
				default:
					loaded++
					checkParse(t, mutated) // and run it
				}
				for _, err := range []error{perr, lerr} {
					if err != nil && strings.TrimSpace(err.Error()) == "" {
						t.Errorf("flip #%d: empty error", i)
					}
				}
			}
			t.Logf("%d of %d mutants loaded, %d made the ELF/BTF readers panic (recovered by Parse)", loaded, flips, recovered)
			summary.log(t, filepath.Base(path))
		})
	}
}

// saveFinding writes a crashing input to the test's temporary directory
// and returns its path.
func saveFinding(t *testing.T, data []byte) string {
	dir := os.Getenv("EBPFJIT_FINDINGS")
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, fmt.Sprintf("finding-%x", data[:min(len(data), 8)]))
	os.WriteFile(p, data, 0o644)
	return p
}

// TestNotBPFObjects: inputs that are no BPF ELF object at all.
func TestNotBPFObjects(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	random := make([]byte, 4096)
	rng.Read(random)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	inputs := []struct {
		name string
		data []byte
		want string // a substring of the error
	}{
		{"empty", nil, "ELF"},
		{"random bytes", random, "ELF"},
		{"ELF magic and random bytes", append([]byte("\x7fELF"), random...), "ELF"},
		{"text", []byte("int main(void) { return 0; }\n"), "ELF"},
		{"test binary, first KB", self[:1024], "ELF"},
	}
	for _, p := range []string{"/bin/true", "/usr/bin/true"} {
		if b, err := os.ReadFile(p); err == nil {
			inputs = append(inputs, struct {
				name string
				data []byte
				want string
			}{"host executable " + p, b, "BPF"})
			break
		}
	}
	// The test binary itself: a host ELF with a symbol table and many
	// sections; reading it whole takes a while, so -short skips it.
	if !testing.Short() {
		inputs = append(inputs, struct {
			name string
			data []byte
			want string
		}{"test binary", self, "BPF"})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			var perr, lerr error
			withDeadline(t, 2*time.Minute, in.name, func() { perr, lerr = outcomeOf(in.data, "interp", badLimits) })
			if perr == nil {
				t.Fatalf("parsed (load: %v)", lerr)
			}
			if !strings.Contains(perr.Error(), in.want) {
				t.Errorf("error %q does not mention %q", perr, in.want)
			}
			t.Logf("%v", perr)
		})
	}
}

// TestFuzzCorpusFindings runs every input the fuzzer saved
// (testdata/fuzz/FuzzParse) through the same checks as the fuzz target,
// so each finding stays a regular test case.
func TestFuzzCorpusFindings(t *testing.T) {
	files, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := readCorpusFile(f)
			if err != nil {
				t.Fatal(err)
			}
			withDeadline(t, time.Minute, f, func() { checkParse(t, data) })
		})
	}
}

// readCorpusFile decodes a "go test fuzz v1" file holding one []byte.
func readCorpusFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := bytes.SplitN(raw, []byte("\n"), 2)
	if len(lines) != 2 || string(lines[0]) != "go test fuzz v1" {
		return nil, fmt.Errorf("%s: not a fuzz corpus file", path)
	}
	s := strings.TrimSpace(string(lines[1]))
	if !strings.HasPrefix(s, "[]byte(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("%s: want one []byte value, got %.40q", path, s)
	}
	out, err := strconv.Unquote(s[len("[]byte(") : len(s)-1])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return []byte(out), nil
}
