package bench

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/maps"
)

// The benchmark objects, so that a harness finds them wherever it runs.
//
//go:embed programs/*.o programs/kernel/*.o
var objects embed.FS

// Spec is one benchmark of the suite: a C program built into an eBPF
// object (bench/programs), its deterministic input, the result it must
// return, the same algorithm in plain Go, and its kernel peer.
//
// Every program follows ebpfjit's calling convention: r1 points to the
// input memory, r0 is the result. Every Want is below 2^32, so that it can
// be compared with the kernel's (BPF_PROG_TEST_RUN reports 32 bits).
type Spec struct {
	Name    string        // e.g. "prime"
	About   string        // one line: what the program does
	Object  string        // path relative to bench/ of the .o
	Program string        // program name in the object ("bpf_main" for every program of the suite)
	Input   func() []byte // deterministic input (fresh copy each call)
	Want    uint64        // expected r0

	// Go is the same algorithm in plain Go (the native baseline). It
	// works on mem as the program does (writing the same bytes) and is
	// safe for concurrent use on distinct memory.
	Go func(mem []byte) uint64

	// Kernel is the kernel peer; nil when there is none.
	Kernel *KernelSpec

	// Mutates reports that a run changes its input in a way that changes
	// a later run (its result or its work), so that the harness must give
	// each run a fresh copy or restore it. No program of the suite does:
	// memcpy and sort write only the output half of their input, and a
	// run over the written memory does the same work and returns the same
	// result. Writes marks those.
	Mutates bool
	// Writes reports that the program writes to its input (only to an
	// output area whose previous contents do not matter).
	Writes bool

	// Maps reports that the program uses maps whose state persists across
	// runs of one collection. The programs are written so that their
	// result and their work do not depend on that state (see Reset for
	// the ring buffer), but two runs of the same collection must not
	// overlap in time.
	Maps bool

	// Reset, when not nil, restores the state the program needs (drains
	// the ring buffer). Call it on the collection at least every
	// ResetEvery runs; runs need not be reset one by one.
	Reset      func(c *loader.Collection) error
	ResetEvery int
}

// KernelSpec describes the kernel peer of a program: an XDP program that
// the verifier accepts and BPF_PROG_TEST_RUN can repeat, computing the
// same result from the same input bytes, which it reads from a global
// variable (see programs/README.md). KernelPeer runs it.
type KernelSpec struct {
	Object  string // path relative to bench/ of the .o
	Program string // program name in the object
	// Input is the name of the global variable (a byte array exactly as
	// long as Spec.Input()) that receives the input; "" when the program
	// takes none.
	Input string
	// Drain names a ring buffer that must be drained every DrainEvery
	// repetitions ("" when none).
	Drain      string
	DrainEvery int
	// Notes are the ways in which the peer differs from the program.
	Notes string
}

// ELF returns the contents of the program's object.
func (s *Spec) ELF() ([]byte, error) { return objects.ReadFile(s.Object) }

// Load loads the program's object with the named engine ("interp" or
// "jit") at the given optimisation level.
func (s *Spec) Load(engineName string, optLevel int, opts loader.Options) (*loader.Collection, error) {
	build, err := engine.Builder(engineName, optLevel)
	if err != nil {
		return nil, err
	}
	return s.LoadWith(build, opts)
}

// LoadWith is Load with a builder of the caller's (a compiler variant).
func (s *Spec) LoadWith(build loader.Builder, opts loader.Options) (*loader.Collection, error) {
	data, err := s.ELF()
	if err != nil {
		return nil, err
	}
	obj, err := loader.Parse(data, opts.Parse)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Object, err)
	}
	c, err := loader.New(obj, opts, build)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Object, err)
	}
	if c.Program(s.Program) == nil {
		c.Close()
		return nil, fmt.Errorf("%s: no program %q", s.Object, s.Program)
	}
	return c, nil
}

// Lookup returns the Spec of the named benchmark, or nil.
func Lookup(name string) *Spec {
	for _, s := range Suite {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Input sizes.
const (
	halfMiB      = 1 << 20
	log2N        = 1024
	switchN      = 4096
	crcLen       = 64 << 10
	packetSize   = 128 << 10
	packetFrames = 1024
	textMax      = 16 << 10
	sortN        = 256
	chainN       = 1024
	counterN     = 4096
	counterSlots = 64
	ringN        = 128
	ringRecord   = 16
)

func kernelPeer(name, input, notes string) *KernelSpec {
	return &KernelSpec{Object: "programs/kernel/" + name + ".o", Program: "bpf_main", Input: input, Notes: notes}
}

const loopNote = "loops bounded with may_goto (cond_break) and counters hidden from the verifier; "

// Suite lists the benchmarks, simple ones first.
var Suite = []*Spec{
	{
		Name:    "simple",
		About:   "return a constant: the cost of entering and leaving a program",
		Object:  "programs/simple.o",
		Program: "bpf_main",
		Input:   func() []byte { return make([]byte, 8) },
		Want:    42,
		Go:      func([]byte) uint64 { return 42 },
		Kernel:  kernelPeer("simple", "", "identical (takes no input)"),
	},
	{
		Name:    "memory_a_plus_b",
		About:   "add two u64 read from memory",
		Object:  "programs/memory_a_plus_b.o",
		Program: "bpf_main",
		Input:   cached(aPlusBInput),
		Want:    0x6a09e667 + 0x3c6ef372,
		Go:      goAPlusB,
		Kernel:  kernelPeer("memory_a_plus_b", "input", "input read from a global"),
	},
	{
		Name:    "log2_int",
		About:   "branchy integer log2 of 1024 u64, summed",
		Object:  "programs/log2_int.o",
		Program: "bpf_main",
		Input:   cached(log2Ints),
		Want:    30820,
		Go:      goLog2Int,
		Kernel:  kernelPeer("log2_int", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "prime",
		About:   "count the primes below 10000 by trial division",
		Object:  "programs/prime.o",
		Program: "bpf_main",
		Input:   cached(func() []byte { return binary.LittleEndian.AppendUint64(nil, 10000) }),
		Want:    1229,
		Go:      goPrimes,
		Kernel:  kernelPeer("prime", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "memcpy",
		About:   "copy 1 MiB byte by byte, then sample 256 bytes of the copy",
		Object:  "programs/memcpy.o",
		Program: "bpf_main",
		Input:   cached(memcpyInput),
		Want:    3966505,
		Go:      goMemcpy,
		Writes:  true,
		Kernel:  kernelPeer("memcpy", "input", loopNote+"input read from (and written to) a global"),
	},
	{
		Name:    "strcmp_fail",
		About:   "compare two 1 MiB strings byte by byte; they differ at byte 1000",
		Object:  "programs/strcmp.o",
		Program: "bpf_main",
		Input:   cached(func() []byte { return strcmpPair(true) }),
		Want:    'z' - 'a',
		Go:      goStrcmpHalves,
		Kernel:  kernelPeer("strcmp", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "strcmp_full",
		About:   "compare two equal 1 MiB strings byte by byte",
		Object:  "programs/strcmp.o",
		Program: "bpf_main",
		Input:   cached(func() []byte { return strcmpPair(false) }),
		Want:    0,
		Go:      goStrcmpHalves,
		Kernel:  kernelPeer("strcmp", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "switch",
		About:   "a 64-case switch (a branch tree) over 4096 values",
		Object:  "programs/switch.o",
		Program: "bpf_main",
		Input:   cached(switchInput),
		Want:    0x3e3a9d38,
		Go:      goSwitch,
		Kernel:  kernelPeer("switch", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "packet_parse",
		About:   "parse 1024 Ethernet/VLAN/IPv4/IPv6/TCP/UDP frames, sum of 5-tuple hashes",
		Object:  "programs/packet_parse.o",
		Program: "bpf_main",
		Input:   cached(func() []byte { return packets().mem }),
		Want:    0x7845afe6,
		Go:      goPacketParse,
		Kernel:  kernelPeer("packet_parse", "input", loopNote+"input read from a global; every access also checked against the end of the buffer"),
	},
	{
		Name:    "crc32",
		About:   "table-driven CRC-32 (IEEE) of 64 KiB",
		Object:  "programs/crc32.o",
		Program: "bpf_main",
		Input:   cached(crcInput),
		Want:    0x949df408,
		Go:      goCRC32,
		Kernel:  kernelPeer("crc32", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "wordcount",
		About:   "count the words of a 16 KiB text in a hash map keyed by FNV-1a",
		Object:  "programs/wordcount.o",
		Program: "bpf_main",
		Input:   cached(func() []byte { return wordText().mem }),
		Want:    509<<16 | 259,
		Go:      goWordcount,
		Maps:    true,
		Kernel:  kernelPeer("wordcount", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "sort",
		About:   "insertion sort of 256 signed ints",
		Object:  "programs/sort.o",
		Program: "bpf_main",
		Input:   cached(sortInput),
		Want:    0x56555478,
		Go:      goSort,
		Writes:  true,
		Kernel:  kernelPeer("sort", "input", loopNote+"input read from (and written to) a global; the inner loop tests the hole index instead of a signed j"),
	},
	{
		Name:    "call_chain",
		About:   "1024 calls down a chain of six non-inlined bpf-to-bpf functions",
		Object:  "programs/call_chain.o",
		Program: "bpf_main",
		Input:   cached(func() []byte { return randomWords(chainN, 0xca11) }),
		Want:    0x33bc833d,
		Go:      goCallChain,
		Kernel:  kernelPeer("call_chain", "input", loopNote+"input read from a global"),
	},
	{
		Name:    "atomic_counters",
		About:   "array map of 64 counters, reset by xchg, 4096 lookups and atomic fetch-and-adds",
		Object:  "programs/atomic_counters.o",
		Program: "bpf_main",
		Input:   cached(counterInput),
		Want:    366024,
		Go:      goAtomicCounters,
		Maps:    true,
		Kernel:  kernelPeer("atomic_counters", "input", loopNote+"input read from a global"),
	},
	{
		Name:       "ringbuf",
		About:      "emit 128 records of 16 bytes with bpf_ringbuf_output",
		Object:     "programs/ringbuf.o",
		Program:    "bpf_main",
		Input:      cached(func() []byte { return randomWords(ringN, 0x41b) }),
		Want:       ringN,
		Go:         goRingbuf,
		Maps:       true,
		Reset:      drainRing("events"),
		ResetEvery: 256,
		Kernel: &KernelSpec{
			Object: "programs/kernel/ringbuf.o", Program: "bpf_main", Input: "input",
			Drain: "events", DrainEvery: 256,
			Notes: loopNote + "input read from a global; a 16 MiB ring drained every 256 repetitions",
		},
	},
}

// cached returns an input function that generates the input once and
// returns fresh copies.
func cached(gen func() []byte) func() []byte {
	var once sync.Once
	var mem []byte
	return func() []byte {
		once.Do(func() { mem = gen() })
		return append([]byte(nil), mem...)
	}
}

// drainRing returns a Reset that consumes every record of a ring buffer.
func drainRing(name string) func(c *loader.Collection) error {
	return func(c *loader.Collection) error {
		m := c.Map(name)
		if m == nil {
			return fmt.Errorf("no map %q", name)
		}
		r, err := m.NewReader()
		if err != nil {
			return err
		}
		defer r.Close()
		for {
			if _, err := r.ReadNonBlocking(); err != nil {
				if errors.Is(err, maps.ErrNoRecord) {
					return nil
				}
				return err
			}
		}
	}
}

// ---------------------------------------------------------------- inputs

// rng is SplitMix64: every input of the suite comes from it, so that the
// inputs are fixed by this file (no dependence on math/rand's algorithms)
// and easy to reproduce elsewhere.
type rng struct{ s uint64 }

func splitmix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return splitmix(r.s)
}

// intn returns a number in [0, n) (with a negligible modulo bias).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) bytes(b []byte) {
	for i := range b {
		b[i] = byte(r.next() >> 56)
	}
}

func randomWords(n int, seed uint64) []byte {
	r := rng{seed}
	mem := make([]byte, 8*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(mem[8*i:], r.next())
	}
	return mem
}

func aPlusBInput() []byte {
	mem := binary.LittleEndian.AppendUint64(nil, 0x6a09e667)
	return binary.LittleEndian.AppendUint64(mem, 0x3c6ef372)
}

// log2Ints: 1024 u64 of spread magnitudes (a random word shifted right by
// a random amount), so that every branch of the log2 goes both ways.
func log2Ints() []byte {
	r := rng{0x1092}
	mem := make([]byte, 8*log2N)
	for i := 0; i < log2N; i++ {
		v := r.next()
		binary.LittleEndian.PutUint64(mem[8*i:], v>>(r.next()%64))
	}
	return mem
}

// memcpyInput: 1 MiB of random bytes, then a zeroed destination MiB.
func memcpyInput() []byte {
	r := rng{0x3e3c}
	mem := make([]byte, 2*halfMiB)
	r.bytes(mem[:halfMiB])
	return mem
}

// strcmpPair: two equal strings of 1 MiB - 1 random non-zero bytes and a
// NUL; with fail, a[1000] = 'z' and b[1000] = 'a'.
func strcmpPair(fail bool) []byte {
	r := rng{0x57c3}
	mem := make([]byte, 2*halfMiB)
	for i := 0; i < halfMiB-1; i++ {
		c := byte(r.intn(255) + 1)
		mem[i], mem[halfMiB+i] = c, c
	}
	if fail {
		mem[1000], mem[halfMiB+1000] = 'z', 'a'
	}
	return mem
}

func switchInput() []byte {
	r := rng{0x5317c4}
	mem := make([]byte, 4*switchN)
	for i := 0; i < switchN; i++ {
		binary.LittleEndian.PutUint32(mem[4*i:], uint32(r.intn(64)))
	}
	return mem
}

func crcInput() []byte {
	r := rng{0xc7c32}
	mem := make([]byte, crcLen)
	r.bytes(mem)
	return mem
}

// sortInput: 256 random s32, then 256 zeroed s32 of work space.
func sortInput() []byte {
	r := rng{0x5027}
	mem := make([]byte, 8*sortN)
	for i := 0; i < sortN; i++ {
		binary.LittleEndian.PutUint32(mem[4*i:], uint32(r.next()))
	}
	return mem
}

// counterInput: 4096 random u32 whose low 6 bits pick a counter, skewed:
// half of them go to counters 0-7.
func counterInput() []byte {
	r := rng{0xa70}
	mem := make([]byte, 4*counterN)
	for i := 0; i < counterN; i++ {
		v := r.next()
		k := v % counterSlots
		if r.next()&1 == 0 {
			k %= 8
		}
		binary.LittleEndian.PutUint32(mem[4*i:], uint32(v>>32)&^(counterSlots-1)|uint32(k))
	}
	return mem
}

// ------------------------------------------------------- packet frames

// frame is what the generator put in one frame: the tuple the parser must
// find (valid) or nothing.
type frame struct {
	valid                      bool
	saddr, daddr, ports, proto uint32
}

type packetSet struct {
	mem    []byte
	frames []frame
}

var packetsOnce = sync.OnceValue(genPackets)

func packets() *packetSet { return packetsOnce() }

// genPackets builds 1024 frames: IPv4 and IPv6 with TCP, UDP and ICMP,
// 0-2 VLAN tags, IPv4 options and non-first fragments, frames cut inside
// the TCP header, ARP, runts, bad IP versions and cut IPv6 headers.
func genPackets() *packetSet {
	r := rng{0xe7e4}
	mem := make([]byte, packetSize)
	binary.LittleEndian.PutUint32(mem, packetFrames)
	off := 8
	ps := &packetSet{}
	le := binary.LittleEndian.Uint32
	for n := 0; n < packetFrames; n++ {
		var f frame
		var b []byte
		rnd := func(n int) []byte {
			s := make([]byte, n)
			r.bytes(s)
			return s
		}
		b = append(b, rnd(12)...) // MAC addresses
		switch t := r.intn(100); {
		case t < 12:
			b = append(b, 0x81, 0x00, byte(r.intn(16)), byte(r.next()))
		case t < 15:
			b = append(b, 0x88, 0xa8, byte(r.intn(16)), byte(r.next()), 0x81, 0x00, byte(r.intn(16)), byte(r.next()))
		}
		kind := r.intn(100)
		l4proto := []byte{6, 17}[r.intn(2)]
		switch {
		case kind < 80: // IPv4 or IPv6 with TCP, UDP or ICMP
			v6 := kind >= 55
			if kind >= 50 && kind < 55 {
				l4proto = 1
			}
			if kind >= 76 {
				l4proto = 58
			}
			f.valid, f.proto = true, uint32(l4proto)
			if v6 {
				b = append(b, 0x86, 0xdd)
				hdr := rnd(40)
				hdr[0] = 0x60 | hdr[0]&0x0f
				hdr[6] = l4proto
				b = append(b, hdr...)
				for i := 0; i < 4; i++ {
					f.saddr ^= le(hdr[8+4*i:])
					f.daddr ^= le(hdr[24+4*i:])
				}
			} else {
				b = append(b, 0x08, 0x00)
				ihl := 5
				if r.intn(5) == 0 {
					ihl += 1 + r.intn(3)
				}
				hdr := rnd(4 * ihl)
				hdr[0] = 0x40 | byte(ihl)
				hdr[6], hdr[7] = 0x40, 0 // DF, offset 0
				if r.intn(4) == 0 {
					hdr[6], hdr[7] = 0x20, 0 // MF, first fragment
				}
				hdr[9] = l4proto
				b = append(b, hdr...)
				f.saddr, f.daddr = le(hdr[12:]), le(hdr[16:])
			}
			switch l4proto {
			case 6:
				tcp := rnd(20)
				b = append(b, tcp...)
				f.ports = le(tcp)
			case 17:
				udp := rnd(8)
				b = append(b, udp...)
				f.ports = le(udp)
			default:
				b = append(b, rnd(8)...) // ICMP/ICMPv6 header: no ports
			}
			b = append(b, rnd(r.intn(49))...)
		case kind < 84: // IPv4 non-first fragment: no ports
			b = append(b, 0x08, 0x00)
			hdr := rnd(20)
			hdr[0] = 0x45
			hdr[6], hdr[7] = byte(r.intn(2))<<5|byte(r.intn(32)), byte(1+r.intn(255))
			hdr[9] = l4proto
			b = append(b, hdr...)
			b = append(b, rnd(8+r.intn(40))...)
			f = frame{valid: true, saddr: le(hdr[12:]), daddr: le(hdr[16:]), proto: uint32(l4proto)}
		case kind < 88: // cut inside the TCP header: no ports
			b = append(b, 0x08, 0x00)
			hdr := rnd(20)
			hdr[0], hdr[6], hdr[7], hdr[9] = 0x45, 0, 0, 6
			b = append(b, hdr...)
			b = append(b, rnd(r.intn(20))...)
			f = frame{valid: true, saddr: le(hdr[12:]), daddr: le(hdr[16:]), proto: 6}
		case kind < 93: // ARP
			b = append(b, 0x08, 0x06)
			b = append(b, rnd(28)...)
		case kind < 96: // IPv4 EtherType, version 6
			b = append(b, 0x08, 0x00)
			hdr := rnd(20)
			hdr[0] = 0x65
			b = append(b, hdr...)
		case kind < 98: // IPv6 header cut short
			b = append(b, 0x86, 0xdd)
			b = append(b, rnd(r.intn(40))...)
		default: // runt
			b = b[:r.intn(14)]
		}
		if off+2+len(b) > len(mem) {
			panic("bench: packet buffer overflow")
		}
		binary.LittleEndian.PutUint16(mem[off:], uint16(len(b)))
		copy(mem[off+2:], b)
		off = (off + 2 + len(b) + 3) &^ 3
		ps.frames = append(ps.frames, f)
	}
	binary.LittleEndian.PutUint32(mem[4:], uint32(off-8))
	ps.mem = mem
	return ps
}

func tupleHash(saddr, daddr, ports, proto uint32) uint32 {
	h := uint32(0x811c9dc5)
	h = (h ^ saddr) * 0x01000193
	h = (h ^ daddr) * 0x01000193
	h = (h ^ ports) * 0x01000193
	h = (h ^ proto) * 0x01000193
	return h ^ h>>16
}

// ------------------------------------------------------------ word text

type textSet struct {
	mem   []byte
	words []string // the words of the text, in order
}

var textOnce = sync.OnceValue(genText)

func wordText() *textSet { return textOnce() }

// genText writes words from a vocabulary of 600 random lowercase words
// (2-10 letters), skewed towards the first ones, separated by a space or
// punctuation, until 16 KiB are nearly full.
func genText() *textSet {
	r := rng{0x7e47}
	seen := map[string]bool{}
	var vocab []string
	for len(vocab) < 600 {
		w := make([]byte, 2+r.intn(9))
		for i := range w {
			w[i] = 'a' + byte(r.intn(26))
		}
		if !seen[string(w)] {
			seen[string(w)] = true
			vocab = append(vocab, string(w))
		}
	}
	seps := []string{" ", " ", " ", " ", ", ", ". ", "\n", " - ", "; ", " (1) "}
	ts := &textSet{}
	var text []byte
	for {
		u := float64(r.next()>>11) / (1 << 53)
		w := vocab[int(u*u*u*float64(len(vocab)))]
		sep := seps[r.intn(len(seps))]
		if len(text)+len(w)+len(sep) > textMax {
			break
		}
		text = append(append(text, w...), sep...)
		ts.words = append(ts.words, w)
	}
	mem := make([]byte, 8+textMax)
	binary.LittleEndian.PutUint32(mem, uint32(len(text)))
	copy(mem[8:], text)
	ts.mem = mem
	return ts
}

// -------------------------------------------------------- Go baselines

func goAPlusB(mem []byte) uint64 {
	return binary.LittleEndian.Uint64(mem) + binary.LittleEndian.Uint64(mem[8:])
}

func log2Branchy(x uint64) uint64 {
	r := uint64(0)
	if x > 0xffffffff {
		x >>= 32
		r += 32
	}
	if x > 0xffff {
		x >>= 16
		r += 16
	}
	if x > 0xff {
		x >>= 8
		r += 8
	}
	if x > 0xf {
		x >>= 4
		r += 4
	}
	if x > 0x3 {
		x >>= 2
		r += 2
	}
	if x > 0x1 {
		r++
	}
	return r
}

func goLog2Int(mem []byte) uint64 {
	sum := uint64(0)
	for i := 0; i < log2N; i++ {
		sum += log2Branchy(binary.LittleEndian.Uint64(mem[8*i:]))
	}
	return sum
}

func goPrimes(mem []byte) uint64 {
	limit := binary.LittleEndian.Uint64(mem)
	count := uint64(0)
	for n := uint64(2); n < limit; n++ {
		prime := uint64(1)
		for d := uint64(2); d*d <= n; d++ {
			if n%d == 0 {
				prime = 0
				break
			}
		}
		count += prime
	}
	return count
}

func goMemcpy(mem []byte) uint64 {
	src, dst := mem[:halfMiB], mem[halfMiB:2*halfMiB]
	for i := range src {
		dst[i] = src[i]
	}
	sum := uint64(0)
	for k := uint64(0); k < 256; k++ {
		sum += uint64(dst[4096*k+(37*k)&4095]) * (k + 1)
	}
	return sum
}

func goStrcmpHalves(mem []byte) uint64 {
	a, b := mem[:halfMiB], mem[halfMiB:2*halfMiB]
	for i := range a {
		if a[i] != b[i] {
			return uint64(int64(a[i]) - int64(b[i]))
		}
		if a[i] == 0 {
			return 0
		}
	}
	return 0
}

func goSwitch(mem []byte) uint64 {
	acc := uint64(0)
	for i := uint64(0); i < switchN; i++ {
		switch binary.LittleEndian.Uint32(mem[4*i:]) {
		case 0:
			acc += 0xe220a8397b1dcdaf
		case 1:
			acc ^= 0x6e789e6aa1b965f4
		case 2:
			acc *= 0x06c45d188009454f
		case 3:
			acc = bits.RotateLeft64(acc, 4)
		case 4:
			acc -= i ^ 0x1b39896a51a8749b
		case 5:
			acc ^= acc >> 6
		case 6:
			acc += acc << 7
		case 7:
			acc = ^acc ^ 0xc584133ac916ab3c
		case 8:
			acc += 0x3ee5789041c98ac3
		case 9:
			acc ^= 0xf3b8488c368cb0a6
		case 10:
			acc *= 0x657eecdd3cb13d09
		case 11:
			acc = bits.RotateLeft64(acc, 12)
		case 12:
			acc -= i ^ 0x8621a03fe0bbdb7b
		case 13:
			acc ^= acc >> 14
		case 14:
			acc += acc << 15
		case 15:
			acc = ^acc ^ 0x84bb3f97971d80ab
		case 16:
			acc += 0x7d29825c75521255
		case 17:
			acc ^= 0xc3cf17102b7f7f86
		case 18:
			acc *= 0x3466e9a083914f65
		case 19:
			acc = bits.RotateLeft64(acc, 20)
		case 20:
			acc -= i ^ 0xdb01602b100b9ed7
		case 21:
			acc ^= acc >> 22
		case 22:
			acc += acc << 23
		case 23:
			acc = ^acc ^ 0x54496ad67bd2634c
		case 24:
			acc += 0xdd7c01d4f5407269
		case 25:
			acc ^= 0x935e82f1db4c4f7b
		case 26:
			acc *= 0x69b82ebc92233301
		case 27:
			acc = bits.RotateLeft64(acc, 28)
		case 28:
			acc -= i ^ 0xa2f09dabb45c6316
		case 29:
			acc ^= acc >> 30
		case 30:
			acc += acc << 31
		case 31:
			acc = ^acc ^ 0x377d35dea8e40225
		case 32:
			acc += 0x0c7de8064963bab0
		case 33:
			acc ^= 0x05582d37111ac529
		case 34:
			acc *= 0xd254741f599dc6f7
		case 35:
			acc = bits.RotateLeft64(acc, 36)
		case 36:
			acc -= i ^ 0x417ef96181daa383
		case 37:
			acc ^= acc >> 38
		case 38:
			acc += acc << 39
		case 39:
			acc = ^acc ^ 0x4fa9fa7324851729
		case 40:
			acc += 0x84eb4454a792922a
		case 41:
			acc ^= 0x134f7096918175ce
		case 42:
			acc *= 0x07dc930b302278a9
		case 43:
			acc = bits.RotateLeft64(acc, 44)
		case 44:
			acc -= i ^ 0xcc06c31652ebf438
		case 45:
			acc ^= acc >> 46
		case 46:
			acc += acc << 47
		case 47:
			acc = ^acc ^ 0x690ed476743aae49
		case 48:
			acc += 0x774615d7b1a1f2e1
		case 49:
			acc ^= 0x22b353f04f4f52da
		case 50:
			acc *= 0xe3ddd86ba71a5eb1
		case 51:
			acc = bits.RotateLeft64(acc, 52)
		case 52:
			acc -= i ^ 0x2098eb73d4367d77
		case 53:
			acc ^= acc >> 54
		case 54:
			acc += acc << 55
		case 55:
			acc = ^acc ^ 0x9b196bca844f1705
		case 56:
			acc += 0x30260345dd9e0ec1
		case 57:
			acc ^= 0xcf448a5882bb9698
		case 58:
			acc *= 0xf4a578dccbc87657
		case 59:
			acc = bits.RotateLeft64(acc, 60)
		case 60:
			acc -= i ^ 0xed79402d1d5c5d7b
		case 61:
			acc ^= acc >> 62
		case 62:
			acc += acc << 63
		case 63:
			acc = ^acc ^ 0xe255b237b8bb18fb
		}
	}
	return uint64(uint32(acc ^ acc>>32))
}

// goPacketParse mirrors packet_parse.c on the bytes.
func goPacketParse(mem []byte) uint64 {
	le16, le32 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32
	parse := func(p []byte) uint32 {
		if len(p) < 14 {
			return 0
		}
		proto := le16(p[12:])
		off := 14
		for tags := 0; tags < 2 && (proto == 0x0081 || proto == 0xa888); tags++ {
			if len(p) < off+4 {
				return 0
			}
			proto = le16(p[off+2:])
			off += 4
		}
		var saddr, daddr, l4proto, frag uint32
		var l4 int
		switch proto {
		case 0x0008:
			if len(p) < off+20 || p[off]>>4 != 4 {
				return 0
			}
			ihl := int(p[off]&0xf) * 4
			if ihl < 20 || len(p) < off+ihl {
				return 0
			}
			saddr, daddr = le32(p[off+12:]), le32(p[off+16:])
			l4proto = uint32(p[off+9])
			frag = uint32(le16(p[off+6:]) & 0xff1f)
			l4 = off + ihl
		case 0xdd86:
			if len(p) < off+40 || p[off]&0xf0 != 0x60 {
				return 0
			}
			for i := 0; i < 4; i++ {
				saddr ^= le32(p[off+8+4*i:])
				daddr ^= le32(p[off+24+4*i:])
			}
			l4proto = uint32(p[off+6])
			l4 = off + 40
		default:
			return 0
		}
		ports := uint32(0)
		if frag == 0 && (l4proto == 6 && len(p) >= l4+20 || l4proto == 17 && len(p) >= l4+8) {
			ports = le32(p[l4:])
		}
		return tupleHash(saddr, daddr, ports, l4proto)
	}
	count := le32(mem)
	off := 8
	sum := uint32(0)
	for i := uint32(0); i < count; i++ {
		n := int(le16(mem[off:]))
		sum += parse(mem[off+2 : off+2+n])
		off = (off + 2 + n + 3) &^ 3
	}
	return uint64(sum)
}

var crcTable = func() (t [256]uint32) {
	for n := range t {
		c := uint32(n)
		for k := 0; k < 8; k++ {
			c = c>>1 ^ 0xedb88320&-(c&1)
		}
		t[n] = c
	}
	return t
}()

func goCRC32(mem []byte) uint64 {
	crc := ^uint32(0)
	for _, b := range mem[:crcLen] {
		crc = crcTable[byte(crc)^b] ^ crc>>8
	}
	return uint64(^crc)
}

const (
	fnvOffset = 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
)

func goWordcount(mem []byte) uint64 {
	n := min(int(binary.LittleEndian.Uint32(mem)), textMax)
	text := mem[8 : 8+n]
	counts := make(map[uint64]uint32, 1024)
	distinct, most := uint32(0), uint32(0)
	h, inword := uint64(fnvOffset), false
	for i := 0; i <= n; i++ {
		c := byte(' ')
		if i < n {
			c = text[i]
		}
		if c >= 'a' && c <= 'z' {
			h = (h ^ uint64(c)) * fnvPrime
			inword = true
			continue
		}
		if !inword {
			continue
		}
		k := counts[h] + 1
		counts[h] = k
		if k == 1 {
			distinct++
		}
		most = max(most, k)
		h, inword = fnvOffset, false
	}
	return uint64(distinct)<<16 | uint64(most)
}

func goSort(mem []byte) uint64 {
	src, a := mem[:4*sortN], mem[4*sortN:8*sortN]
	copy(a, src)
	at := func(i int) int32 { return int32(binary.LittleEndian.Uint32(a[4*i:])) }
	set := func(i int, v int32) { binary.LittleEndian.PutUint32(a[4*i:], uint32(v)) }
	for i := 1; i < sortN; i++ {
		key := at(i)
		j := i - 1
		for j >= 0 && at(j) > key {
			set(j+1, at(j))
			j--
		}
		set(j+1, key)
	}
	sum := uint32(0)
	for i := 0; i < sortN; i++ {
		sum += uint32(at(i)) * uint32(i+1)
	}
	return uint64(sum)
}

//go:noinline
func chain6(x, y uint64) uint64 { return (x^x>>31)*0x94d049bb133111eb + y }

//go:noinline
func chain5(x, y uint64) uint64 { return chain6(x+y, y^0x5555) ^ x }

//go:noinline
func chain4(x, y, z uint64) uint64 { return chain5(x*3, y+z) - z }

//go:noinline
func chain3(x, y uint64) uint64 { return chain4(x, y, x>>7) + 1 }

//go:noinline
func chain2(x uint64) uint64 { return chain3(x^0xabcdef, x>>3) }

//go:noinline
func chain1(x, i uint64) uint64 { return chain2(x+i) ^ i }

func goCallChain(mem []byte) uint64 {
	acc := uint64(0)
	for i := uint64(0); i < chainN; i++ {
		acc = acc*31 + chain1(binary.LittleEndian.Uint64(mem[8*i:]), i)
	}
	return uint64(uint32(acc ^ acc>>32))
}

func goAtomicCounters(mem []byte) uint64 {
	var counters [counterSlots]uint64
	for k := range counters {
		atomic.SwapUint64(&counters[k], 0)
	}
	sum := uint64(0)
	for i := 0; i < counterN; i++ {
		k := binary.LittleEndian.Uint32(mem[4*i:]) & (counterSlots - 1)
		sum += atomic.AddUint64(&counters[k], 1) - 1
	}
	return uint64(uint32(sum))
}

// goRingbuf writes the records with their 8-byte headers into a ring as
// the helper would, and counts them.
func goRingbuf(mem []byte) uint64 {
	var ring [ringN * (8 + ringRecord)]byte
	sent := uint64(0)
	for i := 0; i < ringN; i++ {
		rec := ring[i*(8+ringRecord):]
		binary.LittleEndian.PutUint32(rec, ringRecord)
		binary.LittleEndian.PutUint32(rec[4:], uint32(i*(8+ringRecord)/8))
		binary.LittleEndian.PutUint64(rec[8:], uint64(i))
		binary.LittleEndian.PutUint64(rec[16:], binary.LittleEndian.Uint64(mem[8*i:])*0x9e3779b97f4a7c15)
		sent++
	}
	return sent
}

// ---------------------------------------------------------- kernel peers

var (
	// ErrNoKernelPeer is returned by KernelPeer for a Spec without one.
	ErrNoKernelPeer = errors.New("bench: the program has no kernel peer")
	// ErrKernelUnavailable is returned (wrapped, with the reason) by
	// KernelPeer when this process cannot load and test-run XDP programs:
	// not Linux, not root (or without CAP_BPF, CAP_NET_ADMIN), bpf()
	// disabled.
	ErrKernelUnavailable = errors.New("bench: the kernel cannot run the peers here")
)

// KernelRunner runs a kernel peer through BPF_PROG_TEST_RUN.
type KernelRunner struct {
	spec  *Spec
	coll  *ebpf.Collection
	prog  *ebpf.Program
	ring  *ringbuf.Reader
	frame []byte
}

var kernelProbe = sync.OnceValue(func() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("%w: needs Linux, this is %s", ErrKernelUnavailable, runtime.GOOS)
	}
	hint := ""
	if os.Geteuid() != 0 {
		hint = " (not root)"
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		hint += fmt.Sprintf(" (RLIMIT_MEMLOCK: %v)", err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.XDP,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 7), asm.Return()},
	})
	if err != nil {
		return fmt.Errorf("%w: loading an XDP program%s: %v", ErrKernelUnavailable, hint, err)
	}
	defer prog.Close()
	if ret, _, err := prog.Benchmark(make([]byte, 64), 1, nil); err != nil || ret != 7 {
		return fmt.Errorf("%w: test run of an XDP program%s: %d, %v", ErrKernelUnavailable, hint, ret, err)
	}
	return nil
})

// KernelPeer loads the kernel peer of s and fills its input. The error
// wraps ErrNoKernelPeer or ErrKernelUnavailable when the peer cannot run
// (a harness skips it); any other error is a real failure. Close the
// runner when done.
func KernelPeer(s *Spec) (*KernelRunner, error) {
	if s.Kernel == nil {
		return nil, fmt.Errorf("%s: %w", s.Name, ErrNoKernelPeer)
	}
	if err := kernelProbe(); err != nil {
		return nil, err
	}
	ks := s.Kernel
	data, err := objects.ReadFile(ks.Object)
	if err != nil {
		return nil, err
	}
	cs, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ks.Object, err)
	}
	coll, err := ebpf.NewCollection(cs)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("%s: %+v", ks.Object, ve)
		}
		return nil, fmt.Errorf("%s: %w", ks.Object, err)
	}
	k := &KernelRunner{spec: s, coll: coll, prog: coll.Programs[ks.Program], frame: make([]byte, 64)}
	if k.prog == nil {
		k.Close()
		return nil, fmt.Errorf("%s: no program %q", ks.Object, ks.Program)
	}
	if ks.Input != "" {
		v := coll.Variables[ks.Input]
		if v == nil {
			k.Close()
			return nil, fmt.Errorf("%s: no variable %q", ks.Object, ks.Input)
		}
		in := s.Input()
		if int(v.Size()) != len(in) {
			k.Close()
			return nil, fmt.Errorf("%s: variable %q has %d bytes, the input %d", ks.Object, ks.Input, v.Size(), len(in))
		}
		if err := v.Set(in); err != nil {
			k.Close()
			return nil, fmt.Errorf("%s: setting %q: %w", ks.Object, ks.Input, err)
		}
	}
	if ks.Drain != "" {
		m := coll.Maps[ks.Drain]
		if m == nil {
			k.Close()
			return nil, fmt.Errorf("%s: no map %q", ks.Object, ks.Drain)
		}
		if k.ring, err = ringbuf.NewReader(m); err != nil {
			k.Close()
			return nil, fmt.Errorf("%s: ring buffer %q: %w", ks.Object, ks.Drain, err)
		}
	}
	return k, nil
}

// Run runs the peer iterations times (BPF_PROG_TEST_RUN with repeat, in
// chunks of Kernel.DrainEvery with the ring drained in between) and
// returns r0 (32 bits: compare with uint32(Want)) and the mean run time
// the kernel measured (nanosecond resolution; excludes the syscall). An
// error reports a failed run or repetitions whose results differ.
func (k *KernelRunner) Run(iterations int) (r0 uint64, perRun time.Duration, err error) {
	iterations = max(iterations, 1)
	chunk := iterations
	if k.spec.Kernel.DrainEvery > 0 {
		chunk = min(chunk, k.spec.Kernel.DrainEvery)
	}
	var total time.Duration
	for done := 0; done < iterations; {
		n := min(chunk, iterations-done)
		ret, per, err := k.prog.Benchmark(k.frame, n, nil)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", k.spec.Kernel.Object, err)
		}
		if done > 0 && uint64(ret) != r0 {
			return 0, 0, fmt.Errorf("%s: r0 %d after %d runs, %d before", k.spec.Kernel.Object, ret, done, r0)
		}
		r0 = uint64(ret)
		total += per * time.Duration(n)
		done += n
		if k.ring != nil {
			if _, err := k.drain(); err != nil {
				return 0, 0, err
			}
		}
	}
	return r0, total / time.Duration(iterations), nil
}

// drain consumes the records of the peer's ring buffer.
func (k *KernelRunner) drain() (records int, err error) {
	k.ring.SetDeadline(time.Now())
	var rec ringbuf.Record
	for {
		if err := k.ring.ReadInto(&rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return records, nil
			}
			return records, fmt.Errorf("%s: draining %q: %w", k.spec.Kernel.Object, k.spec.Kernel.Drain, err)
		}
		records++
	}
}

// Collection returns the peer's kernel collection (maps, variables).
func (k *KernelRunner) Collection() *ebpf.Collection { return k.coll }

// Close releases the peer's kernel objects.
func (k *KernelRunner) Close() error {
	if k.ring != nil {
		k.ring.Close()
	}
	k.coll.Close()
	return nil
}
