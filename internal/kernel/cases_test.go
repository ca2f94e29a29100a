package kernel

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
)

// elfDir holds the objects built by testdata/elf/build.sh.
var elfDir = filepath.Join("..", "..", "testdata", "elf")

// progCase describes how to test one program: the objects that contain it
// (v3 and v4 builds of the same source share a case), named inputs, maps
// whose contents must not be compared, and a check of the outcome that
// needs no kernel (it also runs against the stored expectations).
type progCase struct {
	objects   []string
	program   string
	inputs    []namedInput
	unchecked []string
	// source is "kernel" (default) or "go-reference" for programs the
	// kernel cannot run; expect then computes the outcome.
	source string
	expect func(in []byte) *Outcome
	check  func(c *checker)
}

type namedInput struct {
	name string
	data []byte
}

func in(name string, v any) namedInput { return namedInput{name, enc(v)} }

func enc(v any) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func key32(k uint32) string { return hex.EncodeToString(enc(k)) }

// checker gives a case's check access to its input and outcome.
type checker struct {
	t      *testing.T
	object string
	in     []byte
	o      *Outcome
}

func input[T any](c *checker) T {
	var v T
	if err := binary.Read(bytes.NewReader(c.in), binary.LittleEndian, &v); err != nil {
		c.t.Fatalf("decoding input as %T: %v", v, err)
	}
	return v
}

func (c *checker) r0(want uint32) {
	c.t.Helper()
	if c.o.R0 != want {
		c.t.Errorf("r0 = %#x, want %#x", c.o.R0, want)
	}
}

// ctx compares the context after the run with want, a context struct.
func (c *checker) ctx(want any) {
	c.t.Helper()
	wb := enc(want)
	if bytes.Equal(c.o.Context, wb) {
		return
	}
	got := reflect.New(reflect.TypeOf(want))
	if err := binary.Read(bytes.NewReader(c.o.Context), binary.LittleEndian, got.Interface()); err != nil {
		c.t.Errorf("context %x, want %x (%v)", c.o.Context, wb, err)
		return
	}
	g, w := got.Elem(), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			c.t.Errorf("context field %s = %#v, want %#v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

func (c *checker) mapEq(name string, want map[string][]byte) {
	c.t.Helper()
	got := c.o.Maps[name]
	for _, k := range unionKeys(got, want) {
		if !bytes.Equal(got[k], want[k]) {
			c.t.Errorf("map %s[%s] = %x, want %x", name, k, got[k], want[k])
		}
	}
}

func (c *checker) records(kind string, got, want [][]byte) {
	c.t.Helper()
	if !slices.EqualFunc(got, want, bytes.Equal) {
		c.t.Errorf("%s = %x, want %x", kind, got, want)
	}
}

// global returns the bytes of a global variable after the run.
func (c *checker) global(name string) []byte {
	c.t.Helper()
	spec := loadSpec(c.t, c.object)
	v, ok := spec.Variables[name]
	if !ok {
		c.t.Fatalf("%s has no global variable %q", c.object, name)
	}
	data := make([]byte, v.Size())
	// a data section whose contents are all zero is absent from the outcome
	if sec, ok := c.o.Maps[v.SectionName]["00000000"]; ok {
		copy(data, sec[v.Offset:])
	}
	return data
}

func (c *checker) globalEq(name string, want any) {
	c.t.Helper()
	if got := c.global(name); !bytes.Equal(got, enc(want)) {
		c.t.Errorf("global %s = %x, want %x", name, got, enc(want))
	}
}

var (
	specMu    sync.Mutex
	specCache = map[string]*ebpf.CollectionSpec{}
)

func loadSpec(t testing.TB, object string) *ebpf.CollectionSpec {
	t.Helper()
	specMu.Lock()
	defer specMu.Unlock()
	if s, ok := specCache[object]; ok {
		return s
	}
	s, err := ebpf.LoadCollectionSpec(filepath.Join(elfDir, object))
	if err != nil {
		t.Fatal(err)
	}
	specCache[object] = s
	return s
}

// ------------------------------------------------------------ the cases

func str24(s string) (b [24]byte) { copy(b[:], s); return }

func str16(s string) (b [16]byte) { copy(b[:], s); return }

func vmCode(ops ...byte) (code [32]byte) { copy(code[:], ops); return }

var cases = []progCase{
	// maps.c
	{
		objects: []string{"maps.o"}, program: "array_ops",
		inputs: []namedInput{
			in("repeat", arrayCtx{Idx: [4]uint32{1, 2, 1, 9}, Add: [4]uint64{5, 6, 7, 8}}),
			in("entry7", arrayCtx{Idx: [4]uint32{7, 7, 0, 3}, Add: [4]uint64{1, 2, 3, 1 << 40}}),
		},
		check: func(c *checker) {
			want, m := refArrayOps(input[arrayCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("array_map", m)
		},
	},
	{
		objects: []string{"maps.o"}, program: "hash_ops",
		inputs: []namedInput{
			in("distinct", hashCtx{Keys: [4]uint32{1, 2, 3, 4}, Vals: [4]uint64{10, 20, 30, 40}}),
			in("duplicates", hashCtx{Keys: [4]uint32{5, 5, 6, 7}, Vals: [4]uint64{50, 51, 60, 70}}),
		},
		check: func(c *checker) {
			want, m := refHashOps(input[hashCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("hash_map", m)
		},
	},
	{
		objects: []string{"maps.o"}, program: "percpu_array_ops",
		inputs: []namedInput{
			in("same", pcpuArrayCtx{Idx: [2]uint32{1, 1}, Add: [2]uint64{10, 20}}),
			in("oob", pcpuArrayCtx{Idx: [2]uint32{2, 5}, Add: [2]uint64{7, 8}}),
		},
		check: func(c *checker) {
			want, m := refPercpuArrayOps(input[pcpuArrayCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("pcpu_array", m)
		},
	},
	{
		objects: []string{"maps.o"}, program: "percpu_hash_ops",
		inputs: []namedInput{
			in("mixed", pcpuHashCtx{Keys: [4]uint32{1, 2, 1, 3}, Add: [4]uint64{5, 6, 7, 8}}),
			in("one", pcpuHashCtx{Keys: [4]uint32{9, 9, 9, 9}, Add: [4]uint64{1, 2, 3, 4}}),
		},
		check: func(c *checker) {
			want, ph, lru := refPercpuHashOps(input[pcpuHashCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("pcpu_hash", ph)
			c.mapEq("lru_pcpu_hash", lru)
		},
	},
	{
		objects: []string{"maps.o"}, program: "lru_hash_ops",
		unchecked: []string{"lru_overflow"},
		inputs: []namedInput{
			in("distinct", lruCtx{Keys: [4]uint32{1, 2, 3, 4}, Vals: [4]uint64{11, 22, 33, 44}}),
			in("repeat", lruCtx{Keys: [4]uint32{8, 9, 8, 10}, Vals: [4]uint64{1, 2, 3, 4}}),
		},
		check: func(c *checker) {
			want, m := refLruHashOps(input[lruCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("lru_map", m)
			if _, ok := c.o.Maps["lru_overflow"]; ok {
				c.t.Errorf("lru_overflow must be left unchecked")
			}
		},
	},
	{
		objects: []string{"maps.o"}, program: "queue_ops",
		inputs: []namedInput{
			in("fill", qsCtx{Push: [6]uint32{1, 2, 3, 4, 5, 6}, Overwrite: 0xEE}),
			in("other", qsCtx{Push: [6]uint32{100, 0, 300, 400, 500, 600}, Overwrite: 7}),
		},
		check: func(c *checker) {
			want, left := refQueueStack(input[qsCtx](c), false)
			c.r0(0)
			c.ctx(want)
			c.records("queue_map", c.o.Queues["queue_map"], left)
			c.records("stack_map", c.o.Queues["stack_map"], nil)
		},
	},
	{
		objects: []string{"maps.o"}, program: "stack_ops",
		inputs: []namedInput{
			in("fill", qsCtx{Push: [6]uint32{1, 2, 3, 4, 5, 6}, Overwrite: 0xEE}),
			in("other", qsCtx{Push: [6]uint32{100, 0, 300, 400, 500, 600}, Overwrite: 7}),
		},
		check: func(c *checker) {
			want, left := refQueueStack(input[qsCtx](c), true)
			c.r0(0)
			c.ctx(want)
			c.records("stack_map", c.o.Queues["stack_map"], left)
			c.records("queue_map", c.o.Queues["queue_map"], nil)
		},
	},
	// ringbuf.c
	{
		objects: []string{"ringbuf.o"}, program: "ringbuf_output_prog",
		inputs: []namedInput{
			in("four", rbOutputCtx{N: 4, Vals: [4]uint64{0x1122334455667788, 0x99AABBCCDDEEFF00, 0x0102030405060708, 0xF1F2F3F4F5F6F7F8}}),
			in("one", rbOutputCtx{N: 1, Vals: [4]uint64{42, 43, 44, 45}}),
			in("none", rbOutputCtx{N: 0}),
		},
		check: func(c *checker) {
			want, recs := refRingbufOutput(input[rbOutputCtx](c))
			c.r0(0)
			c.ctx(want)
			c.records("events", c.o.Ringbuf["events"], recs)
			c.records("reserved", c.o.Ringbuf["reserved"], nil)
		},
	},
	{
		objects: []string{"ringbuf.o"}, program: "ringbuf_reserve_prog",
		inputs: []namedInput{
			in("mixed", rbReserveCtx{N: 4, DiscardMask: 0b0101, Payload: 0x1000}),
			in("submit2", rbReserveCtx{N: 2, Payload: 7}),
			in("none", rbReserveCtx{N: 0, DiscardMask: 0xF}),
		},
		check: func(c *checker) {
			want, recs := refRingbufReserve(input[rbReserveCtx](c))
			c.r0(0)
			c.ctx(want)
			c.records("reserved", c.o.Ringbuf["reserved"], recs)
			c.records("events", c.o.Ringbuf["events"], nil)
		},
	},
	// tailcall.c (raw_tp: read-only context, results in r0 and .bss)
	{
		objects: []string{"tailcall.o"}, program: "tail_entry",
		inputs: []namedInput{
			in("empty_slot", tailCtx{Slot: 0, Arg: 5}),
			in("chain", tailCtx{Slot: 1, Arg: 5}),
			in("direct", tailCtx{Slot: 2, Arg: 5}),
			in("loop", tailCtx{Slot: 3, Arg: 5}),
			in("empty_slot4", tailCtx{Slot: 4, Arg: 5}),
			in("out_of_range", tailCtx{Slot: 8, Arg: 5}),
			in("index_truncated", tailCtx{Slot: 1<<32 | 1, Arg: 9}),
		},
		check: func(c *checker) {
			x := input[tailCtx](c)
			chainAcc := (x.Arg*3+1)*5 + 2
			switch uint32(x.Slot) {
			case 1:
				c.r0(2003)
				c.tailState([]uint32{1, 2, 3}, 0, chainAcc)
			case 2:
				c.r0(2002)
				c.tailState([]uint32{1, 3}, 0, x.Arg*5+2)
			case 3:
				c.r0(33) // 33 tail calls in all: one from tail_entry, 32 by tail_loop
				c.tailState([]uint32{1}, 33, x.Arg)
			default:
				c.r0(0xFA11)
				c.tailState([]uint32{1, 0xF0}, 0, x.Arg)
			}
		},
	},
	{
		objects: []string{"tailcall.o"}, program: "tail_from_subprog",
		inputs: []namedInput{
			in("empty_slot", tailCtx{Slot: 0, Arg: 3}),
			in("chain", tailCtx{Slot: 1, Arg: 3}),
			in("loop", tailCtx{Slot: 3, Arg: 3}),
			in("out_of_range", tailCtx{Slot: 100, Arg: 3}),
		},
		check: func(c *checker) {
			x := input[tailCtx](c)
			switch x.Slot {
			case 1: // the chain's result returns into tail_from_subprog
				c.r0(2004 + 1)
				c.tailState([]uint32{4, 5, 2, 3, 7}, 0, (x.Arg*3+1)*5+2)
			case 3:
				c.r0(33 + 1)
				c.tailState([]uint32{4, 5, 7}, 33, x.Arg)
			default:
				c.r0(0xFA11 + uint32(x.Slot) + 1)
				c.tailState([]uint32{4, 5, 6, 7}, 0, x.Arg)
			}
		},
	},
	{
		objects: []string{"tailcall.o"}, program: "tail_loop",
		inputs: []namedInput{in("direct", tailCtx{})},
		check: func(c *checker) {
			c.r0(34) // runs once plus the kernel's limit of 33 tail calls
			c.tailState(nil, 34, 0)
		},
	},
	{
		objects: []string{"tailcall.o"}, program: "tail_step1",
		inputs: []namedInput{in("direct", tailCtx{Arg: 100})},
		check: func(c *checker) {
			c.r0(2002)
			c.tailState([]uint32{2, 3}, 0, 7)
		},
	},
	{
		objects: []string{"tailcall.o"}, program: "tail_step2",
		inputs: []namedInput{in("direct", tailCtx{Arg: 100})},
		check: func(c *checker) {
			c.r0(2001)
			c.tailState([]uint32{3}, 0, 2)
		},
	},
	// globals.c
	{
		objects: []string{"globals.o"}, program: "globals_rw",
		inputs: []namedInput{
			in("small", globalsCtx{Idx: 5, Value: 9}),
			in("masked", globalsCtx{Idx: 0xFFFFFFFF, Value: 0x8001}),
		},
		check: func(c *checker) {
			x := input[globalsCtx](c)
			want := refGlobalsRW(x)
			c.r0(0)
			c.ctx(want)
			c.globalEq("counter", want.Counter)
			c.globalEq("total", want.Total)
			c.globalEq("extra", want.Extra)
			c.globalEq("small", int16(want.Small))
			c.globalEq("history", [4]uint32{22, 33, 44, x.Value})
			c.globalEq("flags_bss", uint8(want.Flags))
			var slots [8]uint32
			slots[x.Idx&7] = x.Value
			c.globalEq("slots", slots)
			c.globalEq("table", fibTable)
			c.globalEq("scale", uint32(3))
		},
	},
	{
		objects: []string{"globals.o"}, program: "globals_ptr",
		inputs: []namedInput{
			in("all", globalsPtrCtx{N: 8}),
			in("three", globalsPtrCtx{N: 3}),
			in("none", globalsPtrCtx{N: 0}),
		},
		check: func(c *checker) {
			want := refGlobalsPtr(input[globalsPtrCtx](c))
			c.r0(0)
			c.ctx(want)
			c.globalEq("counter", want.Hash)
			c.globalEq("slots", want.Slots)
		},
	},
	// atomics.c
	{
		objects: []string{"atomics.o"}, program: "atomics_prog",
		inputs: []namedInput{
			in("a", atomicsCtx{Add: 5, Mask: 0x0FF0, Init: 0xEFCDAB8967452301, Newv: 0x1111111111111111}),
			in("equal", atomicsCtx{Add: 1 << 40, Mask: math.MaxUint64, Init: 77, Newv: 77}),
		},
		check: func(c *checker) {
			want := refAtomics(input[atomicsCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("atomic_map", map[string][]byte{key32(1): enc(want.Final)})
			c.globalEq("g64", want.G64SubOld-3)
			c.globalEq("g32", want.G32Final)
		},
	},
	// loops.c
	{
		objects: []string{"loops.o", "loops_v4.o"}, program: "bounded_loop",
		inputs: []namedInput{
			in("short", boundedCtx{Data: [64]byte{1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9}, Len: 10, Needle: 3}),
			in("full", func() boundedCtx {
				x := boundedCtx{Len: 1000, Needle: 0x55}
				for i := range x.Data {
					x.Data[i] = byte(i*37 + 11)
				}
				x.Data[63] = 0x55
				return x
			}()),
			in("empty", boundedCtx{Len: 0, Needle: 0}),
		},
		check: func(c *checker) {
			want, n := refBounded(input[boundedCtx](c))
			c.r0(n)
			c.ctx(want)
		},
	},
	{
		objects: []string{"loops.o", "loops_v4.o"}, program: "sort_loop",
		inputs: []namedInput{
			in("mixed", sortCtx{Vals: [16]uint32{5, 1, 9, 3, 0xFFFFFFFF, 0, 7, 2, 5, 5, 100, 0x80000000, 6, 4, 8, 1}}),
			in("reversed", sortCtx{Vals: [16]uint32{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}}),
			in("sorted", sortCtx{Vals: [16]uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refSort(input[sortCtx](c)))
		},
	},
	{
		objects: []string{"loops.o", "loops_v4.o"}, program: "bpf_loop_prog",
		inputs: []namedInput{
			in("ten", bpfLoopCtx{N: 10, StopAt: 100}),
			in("early_stop", bpfLoopCtx{N: 10, StopAt: 4}),
			in("too_many", bpfLoopCtx{N: 1<<23 + 1, StopAt: 4}),
			in("zero", bpfLoopCtx{N: 0, StopAt: 4}),
			in("ninety", bpfLoopCtx{N: 90, StopAt: 1000}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refBpfLoop(input[bpfLoopCtx](c)))
		},
	},
	{
		objects: []string{"loops.o", "loops_v4.o"}, program: "for_each_prog",
		inputs: []namedInput{
			in("stop3", feCtx{Vals: [8]uint64{1, 2, 0, 4, 0, 0, 0, 8}, StopAfter: 3}),
			in("all", feCtx{Vals: [8]uint64{10, 0, 30, 0, 50, 60, 0, 1 << 50}, StopAfter: 0}),
		},
		check: func(c *checker) {
			want, am, hm := refForEach(input[feCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("fe_array", am)
			c.mapEq("fe_hash", hm)
		},
	},
	// calls.c
	{
		objects: []string{"calls.o", "calls_v4.o"}, program: "calls_prog",
		inputs: []namedInput{
			in("a", callsCtx{A: 5, B: -3, Seed: 0x12345678, Depth: 6}),
			in("b", callsCtx{A: -1000, B: 77, Seed: 3, Depth: 3}),
			in("c", callsCtx{A: 0x7FFF, B: -0x8000, Seed: 0xFFFFFFFF, Depth: 0}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refCalls(input[callsCtx](c)))
		},
	},
	// helpers.c
	{
		objects: []string{"helpers.o"}, program: "helpers_misc",
		inputs: []namedInput{in("marker", miscCtx{Marker: 0xDEADBEEF})},
		check: func(c *checker) {
			x := input[miscCtx](c)
			x.Checks = 0x3F
			c.r0(0)
			c.ctx(x)
			c.mapEq("misc_pcpu", map[string][]byte{key32(0): enc(uint64(0xDEADBEEF))})
		},
	},
	{
		objects: []string{"helpers.o"}, program: "strings_prog",
		inputs: []namedInput{
			in("ebpf", stringsCtx{Name: str16("ebpf"), Num: -4294954951}),
			in("ebpfjit", stringsCtx{Name: str16("ebpfjit"), Num: 12345}),
			in("zzz", stringsCtx{Name: str16("zzz"), Num: -1}),
			in("unterminated", stringsCtx{Name: str16("ABCDEFGHIJKLMNOPQ"), Num: 1 << 62}),
		},
		check: func(c *checker) {
			want := refStrings(input[stringsCtx](c))
			got := c.o.Context
			var g stringsCtx
			binary.Read(bytes.NewReader(got), binary.LittleEndian, &g)
			// strncmp's contract is the sign; the kernel returns -1/0/1
			if sign(g.CmpEbpf) != sign(want.CmpEbpf) || sign(g.CmpJit) != sign(want.CmpJit) || sign(g.CmpPrefix) != sign(want.CmpPrefix) {
				c.t.Errorf("strncmp results %d %d %d, want signs of %d %d %d", g.CmpEbpf, g.CmpJit, g.CmpPrefix, want.CmpEbpf, want.CmpJit, want.CmpPrefix)
			}
			want.CmpEbpf, want.CmpJit, want.CmpPrefix = g.CmpEbpf, g.CmpJit, g.CmpPrefix
			c.r0(0)
			c.ctx(want)
		},
	},
	{
		objects: []string{"helpers.o"}, program: "strtol_prog",
		inputs: []namedInput{
			in("common", strtolCtx{S: [4][24]byte{str24("-123"), str24("0x1f"), str24("  42abc"), str24("0777")}, Flags: [4]uint32{0, 0, 10, 0}}),
			in("limits", strtolCtx{S: [4][24]byte{str24("ff"), str24("99999999999999999999"), str24("z"), str24("18446744073709551615")}, Flags: [4]uint32{16, 10, 16, 10}}),
			in("odd", strtolCtx{S: [4][24]byte{str24("12"), str24("-0"), str24("9223372036854775807"), str24("-9223372036854775808")}, Flags: [4]uint32{3, 10, 10, 10}}),
		},
		check: func(c *checker) {
			x := input[strtolCtx](c)
			var g strtolCtx
			binary.Read(bytes.NewReader(c.o.Context), binary.LittleEndian, &g)
			type res struct{ ret, val int64 }
			expect := map[string][2]res{ // string/flags -> strtol, strtoul
				"-123/0":                  {{4, -123}, {-eINVAL, 0}},
				"0x1f/0":                  {{4, 31}, {4, 31}},
				"  42abc/10":              {{4, 42}, {4, 42}},
				"0777/0":                  {{4, 511}, {4, 511}},
				"ff/16":                   {{2, 255}, {2, 255}},
				"99999999999999999999/10": {{-eRANGE, 0}, {-eRANGE, 0}},
				"z/16":                    {{-eINVAL, 0}, {-eINVAL, 0}},
				"18446744073709551615/10": {{-eRANGE, 0}, {20, -1}},
				"12/3":                    {{-eINVAL, 0}, {-eINVAL, 0}},
				"-0/10":                   {{2, 0}, {-eINVAL, 0}},
				"9223372036854775807/10":  {{19, math.MaxInt64}, {19, math.MaxInt64}},
				"-9223372036854775808/10": {{20, math.MinInt64}, {-eINVAL, 0}},
			}
			for i := 0; i < 4; i++ {
				k := fmt.Sprintf("%s/%d", cstr(x.S[i][:]), x.Flags[i])
				e, ok := expect[k]
				if !ok {
					c.t.Fatalf("no expectation for %q", k)
				}
				if g.RetL[i] != e[0].ret || g.ValL[i] != e[0].val {
					c.t.Errorf("strtol(%q) = %d, %d; want %d, %d", k, g.RetL[i], g.ValL[i], e[0].ret, e[0].val)
				}
				if g.RetUL[i] != e[1].ret || int64(g.ValUL[i]) != e[1].val {
					c.t.Errorf("strtoul(%q) = %d, %d; want %d, %d", k, g.RetUL[i], int64(g.ValUL[i]), e[1].ret, e[1].val)
				}
			}
			c.r0(0)
			if !bytes.Equal(c.o.Context[:112], c.in[:112]) {
				c.t.Errorf("the strings and flags changed")
			}
		},
	},
	// endian.c
	{
		objects: []string{"endian.o", "endian_v4.o"}, program: "endian_prog",
		inputs: []namedInput{
			in("a", endianCtx{In16: 0x1234, In32: 0x12345678, In64: 0x0123456789ABCDEF, Raw: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}),
			in("b", endianCtx{In16: 0xFF00, In32: 0x80000001, In64: 0xFFFFFFFF00000080, Raw: [8]byte{0xFF, 0x80, 0, 0x7F, 0xDE, 0xAD, 0xBE, 0xEF}}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refEndian(input[endianCtx](c)))
		},
	},
	// switch.c
	{
		objects: []string{"switch.o", "switch_v4.o"}, program: "switch_vm",
		inputs: []namedInput{
			// factorial of the initial stack entry:
			//  0 push 1; 2 over; 3 mul; 4 swap; 5 dec; 6 dup; 7 jnz 11; 9 drop; 10 halt; 11 swap; 12 jmp 2
			in("factorial5", vmCtx{Code: vmCode(1, 1, 14, 4, 6, 10, 5, 8, 11, 7, 0, 6, 9, 2), Stack: [8]uint64{5}, Sp: 1, MaxSteps: 200}),
			in("factorial20", vmCtx{Code: vmCode(1, 1, 14, 4, 6, 10, 5, 8, 11, 7, 0, 6, 9, 2), Stack: [8]uint64{20}, Sp: 1, MaxSteps: 200}),
			in("budget", vmCtx{Code: vmCode(1, 1, 14, 4, 6, 10, 5, 8, 11, 7, 0, 6, 9, 2), Stack: [8]uint64{50}, Sp: 1, MaxSteps: 1000}),
			// push -128; push 3; shl; push 100; mod; neg; push 7; xor; dup; push 0; mod (by zero: 0); add; halt
			in("arith", vmCtx{Code: vmCode(1, 0x80, 1, 3, 11, 1, 100, 15, 13, 1, 7, 12, 5, 1, 0, 15, 2, 0), MaxSteps: 50}),
			in("underflow", vmCtx{Code: vmCode(1, 9, 2, 0), Stack: [8]uint64{1, 2, 3}, Sp: 0, MaxSteps: 10}),
			in("overflow", vmCtx{Code: vmCode(5, 9, 0), Stack: [8]uint64{7, 6, 5, 4, 3, 2, 1, 0}, Sp: 7, MaxSteps: 10}),
			in("over_fits", vmCtx{Code: vmCode(14, 0), Stack: [8]uint64{1, 2, 3, 4, 5, 6, 7, 8}, Sp: 7, MaxSteps: 10}),
			in("over_overflow", vmCtx{Code: vmCode(14, 0), Stack: [8]uint64{1, 2, 3, 4, 5, 6, 7, 8}, Sp: 8, MaxSteps: 10}),
			in("bad_op", vmCtx{Code: vmCode(1, 1, 0x42), MaxSteps: 10}),
			in("bad_sp", vmCtx{Code: vmCode(0), Sp: 9, MaxSteps: 10}),
		},
		check: func(c *checker) {
			want, status := refVM(input[vmCtx](c))
			c.r0(status)
			c.ctx(want)
			c.globalEq("vm_stack", want.Stack)
			c.globalEq("vm_sp", want.Sp)
		},
	},
	{
		objects: []string{"switch.o", "switch_v4.o"}, program: "switch_classify",
		inputs: []namedInput{
			in("ports", classifyCtx{Ports: [8]uint32{22, 80, 0x901F, 53, 443, 65535, 1000, 4096}}),
			in("more", classifyCtx{Ports: [8]uint32{8080, 123, 3306, 5432, 6379, 11211, 0, 1 << 31}}),
		},
		check: func(c *checker) {
			want, known := refClassify(input[classifyCtx](c))
			c.r0(known)
			c.ctx(want)
		},
	},
	// parser.c
	{
		objects: []string{"parser.o", "parser_v4.o"}, program: "packet_parser",
		inputs: packetInputs(),
		check: func(c *checker) {
			want, key := refParse(input[parseCtx](c))
			c.r0(want.Verdict)
			c.ctx(want)
			m := map[string][]byte{}
			if key != nil {
				m[hex.EncodeToString(enc(*key))] = enc(flowStats{Packets: 1, Bytes: uint64(min(want.PktLen, 128))})
			}
			c.mapEq("flows", m)
			c.mapEq("scratch", map[string][]byte{key32(0): want.Pkt[:]})
		},
	},
	// v4.c
	{
		objects: []string{"v4.o"}, program: "v4_sdiv_smod",
		inputs: []namedInput{
			in("plain", sdivCtx{A: -100, B: 7, C: -100, D: 7}),
			in("min_by_minus_one", sdivCtx{A: math.MinInt64, B: -1, C: math.MinInt32, D: -1}),
			in("by_zero", sdivCtx{A: -7, B: 0, C: 11, D: 0}),
			in("mixed_signs", sdivCtx{A: 1 << 62, B: -3, C: 2147483647, D: -2}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refSdiv(input[sdivCtx](c)))
		},
	},
	{
		objects: []string{"v4.o"}, program: "v4_movsx_ldsx",
		inputs: []namedInput{
			in("neg", sxCtx{B: [4]int8{-128, -1, 1, 127}, H: [2]int16{-32768, 32767}, W: [2]int32{math.MinInt32, math.MaxInt32}, Raw: 0x0180FF00FFF0C080}),
			in("pos", sxCtx{B: [4]int8{0, 2, 3, 4}, H: [2]int16{1, 2}, W: [2]int32{3, 4}, Raw: 0x7F7F7F7F7F7F7F7F}),
		},
		check: func(c *checker) {
			want := refSx(input[sxCtx](c))
			c.r0(0)
			c.ctx(want)
			c.mapEq("sx_map", map[string][]byte{key32(0): enc(want.Raw)})
		},
	},
	{
		objects: []string{"v4.o"}, program: "v4_bswap",
		inputs: []namedInput{
			in("a", bswapCtx{In: 0x0102030405060708}),
			in("b", bswapCtx{In: 0xFFEE00DDCCBBAA99}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refBswap(input[bswapCtx](c)))
		},
	},
	{
		objects: []string{"v4.o"}, program: "v4_gotol",
		inputs: []namedInput{
			in("long", gotolCtx{Seed: 1}),
			in("skip", gotolCtx{Seed: 1, Skip: 1}),
		},
		check: func(c *checker) {
			c.r0(0)
			c.ctx(refGotol(input[gotolCtx](c)))
		},
	},
	// bench_main.c: .text only, cannot run in the kernel
	{
		objects: []string{"bench_main.o"}, program: "bpf_main",
		source: "go-reference",
		inputs: []namedInput{
			{"empty", benchInput(nil)},
			{"hello", benchInput([]byte("hello, ebpfjit"))},
			{"kilobyte", benchInput(func() []byte {
				b := make([]byte, 1000)
				for i := range b {
					b[i] = byte(i * 7)
				}
				return b
			}())},
		},
		expect: func(mem []byte) *Outcome {
			r0, out := refBenchMain(mem)
			return &Outcome{R0: r0, Context: out}
		},
		check: func(c *checker) {
			r0, out := refBenchMain(c.in)
			c.r0(r0)
			if !bytes.Equal(c.o.Context, out) {
				c.t.Errorf("memory after the run differs from the reference")
			}
			if binary.LittleEndian.Uint32(out[4:]) != r0^binary.LittleEndian.Uint32(out[8:]) {
				c.t.Errorf("crc/primes inconsistent")
			}
		},
	},
}

func sign(x int32) int32 {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

func benchInput(data []byte) []byte {
	mem := make([]byte, 16+len(data))
	binary.LittleEndian.PutUint32(mem, uint32(len(data)))
	copy(mem[16:], data)
	return mem
}

// tailState checks the globals of tailcall.o: the trace of program
// stations, the self-tail-call counter and the accumulator.
func (c *checker) tailState(trace []uint32, loops uint32, acc uint64) {
	c.t.Helper()
	var tr [8]uint32
	copy(tr[:], trace)
	c.globalEq("trace", tr)
	c.globalEq("trace_len", uint32(len(trace)))
	c.globalEq("loop_count", loops)
	c.globalEq("acc", acc)
}

// ------------------------------------------------------------- packets

type pktBuilder struct{ b []byte }

func (p *pktBuilder) u8(v ...byte) *pktBuilder { p.b = append(p.b, v...); return p }
func (p *pktBuilder) be16(v uint16) *pktBuilder {
	p.b = binary.BigEndian.AppendUint16(p.b, v)
	return p
}
func (p *pktBuilder) be32(v uint32) *pktBuilder {
	p.b = binary.BigEndian.AppendUint32(p.b, v)
	return p
}

func eth(vlan int, proto uint16) *pktBuilder {
	p := &pktBuilder{}
	p.u8(0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2)
	if vlan >= 0 {
		p.be16(0x8100).be16(uint16(vlan))
	}
	return p.be16(proto)
}

// ipv4 appends an IPv4 header (with options when ihl > 5) and a correct
// checksum unless badCsum.
func (p *pktBuilder) ipv4(ihl int, totalLen uint16, fragField uint16, ttl, proto byte, src, dst uint32, badCsum bool) *pktBuilder {
	start := len(p.b)
	p.u8(byte(0x40|ihl), 0).be16(totalLen).be16(0x1234).be16(fragField).u8(ttl, proto).be16(0).be32(src).be32(dst)
	for i := 5; i < ihl; i++ {
		p.be32(0x01010101) // NOP options
	}
	sum := uint32(0)
	for i := start; i < len(p.b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p.b[i:]))
	}
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	cs := ^uint16(sum)
	if badCsum {
		cs ^= 0x0101
	}
	binary.BigEndian.PutUint16(p.b[start+10:], cs)
	return p
}

func (p *pktBuilder) ipv6(payloadLen uint16, next, hops byte, src, dst byte) *pktBuilder {
	p.be32(0x60000000).be16(payloadLen).u8(next, hops)
	for i := 0; i < 16; i++ {
		p.u8(src + byte(i*i))
	}
	for i := 0; i < 16; i++ {
		p.u8(dst ^ byte(i*3))
	}
	return p
}

func (p *pktBuilder) tcp(sport, dport uint16, doff byte, flags uint16) *pktBuilder {
	p.be16(sport).be16(dport).be32(1).be32(0)
	p.be16(uint16(doff)<<12 | flags).be16(0xFFFF).be16(0).be16(0)
	for i := 5; i < int(doff); i++ {
		p.be32(0x01010101)
	}
	return p
}

func (p *pktBuilder) udp(sport, dport, length uint16) *pktBuilder {
	return p.be16(sport).be16(dport).be16(length).be16(0)
}

func (p *pktBuilder) pad(n int) *pktBuilder {
	for i := 0; i < n; i++ {
		p.u8(byte(0xA0 + i))
	}
	return p
}

func frame(name string, p *pktBuilder, length int) namedInput {
	var x parseCtx
	if len(p.b) > 128 {
		panic(name + ": frame longer than 128 bytes")
	}
	copy(x.Pkt[:], p.b)
	if length < 0 {
		length = len(p.b)
	}
	x.PktLen = uint32(length)
	return in(name, x)
}

func packetInputs() []namedInput {
	const a, b = 0x0A000001, 0xC0A80102
	return []namedInput{
		frame("ipv4_tcp", eth(-1, 0x0800).ipv4(5, 20+20+10, 0x4000, 64, 6, a, b, false).tcp(49152, 80, 5, 0x018).pad(10), -1),
		frame("ipv4_tcp_options", eth(-1, 0x0800).ipv4(7, 28+24+4, 0, 64, 6, a, b, false).tcp(1234, 443, 6, 0x002).pad(4), -1),
		frame("vlan_udp", eth(100, 0x0800).ipv4(5, 20+8+6, 0, 32, 17, b, a, false).udp(5353, 53, 14).pad(6), -1),
		frame("bad_checksum", eth(-1, 0x0800).ipv4(5, 40, 0, 64, 6, a, b, true).tcp(1, 2, 5, 0), -1),
		frame("telnet_drop", eth(-1, 0x0800).ipv4(5, 40, 0, 64, 6, a, b, false).tcp(40000, 23, 5, 0x010), -1),
		frame("syn_fin_drop", eth(-1, 0x0800).ipv4(5, 40, 0, 64, 6, a, b, false).tcp(40000, 8080, 5, 0x003), -1),
		frame("ttl_expired_icmp", eth(-1, 0x0800).ipv4(5, 20+8, 0, 1, 1, a, b, false).u8(8, 0, 0, 0, 0, 1, 0, 1), -1),
		frame("fragment", eth(-1, 0x0800).ipv4(5, 60, 0x2010, 64, 17, a, b, false).pad(40), -1),
		frame("ipv6_udp", eth(-1, 0x86DD).ipv6(8+4, 17, 64, 0x20, 0xFE).udp(1000, 2000, 12).pad(4), -1),
		frame("ipv6_icmp", eth(7, 0x86DD).ipv6(8, 58, 255, 0x30, 0x31).u8(128, 0, 0, 0, 0, 0, 0, 0), -1),
		frame("arp", eth(-1, 0x0806).pad(28), -1),
		frame("truncated_tcp", eth(-1, 0x0800).ipv4(5, 40, 0, 64, 6, a, b, false).tcp(1, 2, 5, 0), 14+20+10),
		frame("runt", eth(-1, 0x0800), 10),
		frame("bad_version", eth(-1, 0x0800).u8(0x65).pad(40), -1),
		frame("oversized_len", eth(-1, 0x0800).ipv4(5, 40, 0, 64, 17, a, b, false).udp(7, 9, 20).pad(60), 5000),
	}
}
