package ebpfjit_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log"

	"github.com/ebpfjit/ebpfjit"
	"github.com/ebpfjit/ebpfjit/asm"
	"github.com/ebpfjit/ebpfjit/isa"
)

// Load an object, run one of its programs on a context and read the
// results it wrote back.
func Example() {
	coll, err := ebpfjit.Load("testdata/elf/globals.o", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()
	prog, err := coll.Program("globals_rw")
	if err != nil {
		log.Fatal(err)
	}
	// struct globals_ctx: idx, value in; counter out at byte 8 ...
	ctx := make([]byte, 80)
	binary.LittleEndian.PutUint32(ctx[0:], 2)
	binary.LittleEndian.PutUint32(ctx[4:], 7)
	r0, err := prog.RunContext(context.Background(), ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("r0:", r0, "counter:", binary.LittleEndian.Uint64(ctx[8:]))
	// Output: r0: 0 counter: 107
}

// Global variables are shared by the programs and Go, in place.
func ExampleCollection_Variable() {
	coll, err := ebpfjit.Load("testdata/elf/globals.o", &ebpfjit.Options{Engine: ebpfjit.Interpreter})
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()
	counter, err := coll.Variable("counter")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("initial:", binary.LittleEndian.Uint64(counter.Get()))
	counter.Set(binary.LittleEndian.AppendUint64(nil, 1000))
	prog, _ := coll.Program("globals_rw")
	ctx := make([]byte, 80)
	binary.LittleEndian.PutUint32(ctx[4:], 5) // value
	if _, err := prog.RunContext(context.Background(), ctx, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after a run adding 5:", binary.LittleEndian.Uint64(counter.Get()))
	// Output:
	// initial: 100
	// after a run adding 5: 1005
}

// Maps are read and written from Go while programs use them.
func ExampleCollection_Map() {
	coll, err := ebpfjit.Load("testdata/elf/maps.o", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()
	m, err := coll.Map("hash_map")
	if err != nil {
		log.Fatal(err)
	}
	key := binary.LittleEndian.AppendUint32(nil, 42)
	if err := m.Put(key, binary.LittleEndian.AppendUint64(nil, 7)); err != nil {
		log.Fatal(err)
	}
	v, err := m.Lookup(key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Type(), "entries:", m.Len(), "value:", binary.LittleEndian.Uint64(v))
	// Output: hash entries: 1 value: 7
}

// A ring buffer's records are read from Go.
func ExampleMap_NewReader() {
	coll, err := ebpfjit.Load("testdata/elf/ringbuf.o", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()
	events, _ := coll.Map("events")
	rd, err := events.NewReader()
	if err != nil {
		log.Fatal(err)
	}
	defer rd.Close()
	prog, _ := coll.Program("ringbuf_output_prog")
	ctx := make([]byte, 128)
	binary.LittleEndian.PutUint32(ctx[0:], 1)                  // one record
	binary.LittleEndian.PutUint64(ctx[8:], 0x1122334455667788) // its 8 bytes
	if _, err := prog.RunContext(context.Background(), ctx, nil); err != nil {
		log.Fatal(err)
	}
	rec, err := rd.ReadNonBlocking()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes: %#x\n", len(rec), binary.LittleEndian.Uint64(rec))
	// Output: 8 bytes: 0x1122334455667788
}

// Helpers are added from Go by id; here a program built from raw
// bytecode calls one.
func ExampleNewProgram() {
	insns, err := asm.Assemble(`
		mov %r1, 21
		call 1000
		exit`)
	if err != nil {
		log.Fatal(err)
	}
	double := ebpfjit.Helper{ID: 1000, Name: "double", Fn: func(_ *ebpfjit.Env, r1, _, _, _, _ uint64) (uint64, error) {
		return 2 * r1, nil
	}}
	coll, prog, err := ebpfjit.NewProgram(isa.Encode(insns), &ebpfjit.Options{Helpers: []ebpfjit.Helper{double}})
	if err != nil {
		log.Fatal(err)
	}
	defer coll.Close()
	r0, err := prog.Run(nil)
	fmt.Println(r0, err)
	// Output: 42 <nil>
}
