// Package artifact is the ahead-of-time format: everything needed to run
// an object's programs without the compiler. An artifact holds, per
// program, position-independent machine code (every runtime address is
// reached through the context register) with its entry offsets and the
// helpers it calls; the object's map specs, program-array slots and
// global variables; and what it was built for and from: format and
// compiler versions, target architecture and CPU features, a hash of the
// input object and options. A SHA-256 checksum covers everything.
//
// This package depends on the runtime only (loader, loader/native): a
// binary that runs artifacts does not link the compiler.
package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

// Magic starts every artifact.
const Magic = "EBPFJITA"

// FormatVersion is the version of the layout this package reads and
// writes. Any change to the layout or to the generated code's ABI (the
// Context offsets) bumps it.
const FormatVersion = 2

// CompilerVersion names the compiler that made an artifact; a cache
// entry from another compiler is recompiled.
const CompilerVersion = "ebpfjit-0.1.0"

// Artifact is a compiled object.
type Artifact struct {
	Compiler  string
	Arch      string   // GOARCH of the code
	Features  []string // CPU features the code needs, e.g. "lse"
	InputHash [32]byte // SHA-256 of the object and the compile options
	OptLevel  int

	Programs     []Program
	Maps         []*maps.Spec
	ProgramSlots []loader.ProgramSlot
	Variables    []loader.Variable
}

// Program is one compiled program.
type Program struct {
	Name    string
	Section string
	Code    native.Code
	Helpers []int32 // helper ids the code calls directly
}

// Errors an artifact can be refused with.
var (
	ErrFormat   = errors.New("not an ebpfjit artifact")
	ErrVersion  = errors.New("artifact format version mismatch")
	ErrChecksum = errors.New("artifact checksum mismatch (truncated or corrupted)")
)

// Marshal encodes the artifact. The same artifact always gives the same
// bytes.
func (a *Artifact) Marshal() []byte {
	w := &writer{}
	w.buf.WriteString(Magic)
	w.u32(FormatVersion)
	w.str(a.Compiler)
	w.str(a.Arch)
	w.u32(uint32(len(a.Features)))
	for _, f := range a.Features {
		w.str(f)
	}
	w.buf.Write(a.InputHash[:])
	w.u32(uint32(a.OptLevel))
	w.u32(uint32(len(a.Programs)))
	for _, p := range a.Programs {
		w.str(p.Name)
		w.str(p.Section)
		w.str(p.Code.Arch)
		w.bytes(p.Code.Text)
		w.u32(uint32(p.Code.Preamble))
		w.u32(uint32(p.Code.CallPreamble))
		w.u32(uint32(p.Code.NativeStack))
		w.u32(uint32(len(p.Code.Functions)))
		for _, f := range p.Code.Functions {
			w.u32(uint32(f.Slot))
			w.u32(uint32(f.Offset))
		}
		w.u32(uint32(len(p.Helpers)))
		for _, h := range p.Helpers {
			w.u32(uint32(h))
		}
	}
	w.u32(uint32(len(a.Maps)))
	for _, m := range a.Maps {
		w.str(m.Name)
		w.u32(uint32(m.Type))
		w.u32(m.KeySize)
		w.u32(m.ValueSize)
		w.u32(m.MaxEntries)
		w.u32(m.Flags)
		w.bool(m.ReadOnly)
		w.u32(uint32(len(m.Contents)))
		for _, kv := range m.Contents {
			w.bytes(kv.Key)
			w.bytes(kv.Value)
		}
	}
	w.u32(uint32(len(a.ProgramSlots)))
	for _, s := range a.ProgramSlots {
		w.u32(uint32(s.Map))
		w.u32(s.Index)
		w.str(s.Program)
	}
	w.u32(uint32(len(a.Variables)))
	for _, v := range a.Variables {
		w.str(v.Name)
		w.u32(uint32(v.Map))
		w.u32(v.Offset)
		w.u32(v.Size)
		w.bool(v.ReadOnly)
	}
	sum := sha256.Sum256(w.buf.Bytes())
	w.buf.Write(sum[:])
	return w.buf.Bytes()
}

// Unmarshal decodes and verifies an artifact. Truncated, corrupted or
// foreign-version input gives an error, never a panic.
func Unmarshal(data []byte) (*Artifact, error) {
	if len(data) < len(Magic)+4 || string(data[:len(Magic)]) != Magic {
		return nil, ErrFormat
	}
	if v := binary.LittleEndian.Uint32(data[len(Magic):]); v != FormatVersion {
		return nil, fmt.Errorf("%w: artifact has version %d, this build reads %d", ErrVersion, v, FormatVersion)
	}
	if len(data) < len(Magic)+4+sha256.Size {
		return nil, ErrChecksum
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, ErrChecksum
	}
	r := &reader{data: body, off: len(Magic) + 4}
	a := &Artifact{}
	a.Compiler = r.str("compiler version")
	a.Arch = r.str("architecture")
	for n := r.count("features", 64); n > 0 && r.err == nil; n-- {
		a.Features = append(a.Features, r.str("feature"))
	}
	copy(a.InputHash[:], r.take(32, "input hash"))
	a.OptLevel = int(r.u32("optimisation level"))
	for i, n := 0, r.count("programs", 1<<16); i < n && r.err == nil; i++ {
		var p Program
		p.Name = r.str("program name")
		p.Section = r.str("program section")
		p.Code.Arch = r.str("program architecture")
		p.Code.Text = r.bytesField("program code")
		p.Code.Preamble = int(r.u32("preamble offset"))
		p.Code.CallPreamble = int(r.u32("call preamble offset"))
		p.Code.NativeStack = int(r.u32("native stack size"))
		for j, m := 0, r.count("functions", 1<<20); j < m && r.err == nil; j++ {
			p.Code.Functions = append(p.Code.Functions, native.Function{Slot: int(r.u32("function slot")), Offset: int(r.u32("function offset"))})
		}
		for j, m := 0, r.count("helpers", 1<<16); j < m && r.err == nil; j++ {
			p.Helpers = append(p.Helpers, int32(r.u32("helper id")))
		}
		a.Programs = append(a.Programs, p)
	}
	for i, n := 0, r.count("maps", 1<<16); i < n && r.err == nil; i++ {
		m := &maps.Spec{}
		m.Name = r.str("map name")
		m.Type = maps.Type(r.u32("map type"))
		m.KeySize = r.u32("key size")
		m.ValueSize = r.u32("value size")
		m.MaxEntries = r.u32("max entries")
		m.Flags = r.u32("map flags")
		m.ReadOnly = r.bool("map read-only flag")
		for j, c := 0, r.count("map contents", 1<<24); j < c && r.err == nil; j++ {
			m.Contents = append(m.Contents, maps.KV{Key: r.bytesField("initial key"), Value: r.bytesField("initial value")})
		}
		a.Maps = append(a.Maps, m)
	}
	for i, n := 0, r.count("program slots", 1<<20); i < n && r.err == nil; i++ {
		a.ProgramSlots = append(a.ProgramSlots, loader.ProgramSlot{Map: int(r.u32("slot map")), Index: r.u32("slot index"), Program: r.str("slot program")})
	}
	for i, n := 0, r.count("variables", 1<<20); i < n && r.err == nil; i++ {
		a.Variables = append(a.Variables, loader.Variable{Name: r.str("variable name"), Map: int(r.u32("variable map")),
			Offset: r.u32("variable offset"), Size: r.u32("variable size"), ReadOnly: r.bool("variable read-only flag")})
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(body) {
		return nil, fmt.Errorf("artifact has %d bytes after its last field", len(body)-r.off)
	}
	return a, a.check()
}

// check verifies the references inside a decoded artifact.
func (a *Artifact) check() error {
	for _, s := range a.ProgramSlots {
		if s.Map < 0 || s.Map >= len(a.Maps) {
			return fmt.Errorf("program slot refers to map %d of %d", s.Map, len(a.Maps))
		}
	}
	for _, v := range a.Variables {
		if v.Map < 0 || v.Map >= len(a.Maps) {
			return fmt.Errorf("variable %q refers to map %d of %d", v.Name, v.Map, len(a.Maps))
		}
		if uint64(v.Offset)+uint64(v.Size) > uint64(a.Maps[v.Map].ValueSize) {
			return fmt.Errorf("variable %q lies outside its section", v.Name)
		}
	}
	for _, p := range a.Programs {
		if p.Code.Arch != a.Arch {
			return fmt.Errorf("program %q is for %s in a %s artifact", p.Name, p.Code.Arch, a.Arch)
		}
	}
	return nil
}

// Runnable reports why the artifact cannot run on this machine (another
// architecture, a missing CPU feature), or nil.
func (a *Artifact) Runnable(hostFeatures []string) error {
	if a.Arch != runtime.GOARCH {
		return fmt.Errorf("artifact is for %s, this machine is %s", a.Arch, runtime.GOARCH)
	}
	for _, f := range a.Features {
		if !slices.Contains(hostFeatures, f) {
			return fmt.Errorf("artifact needs CPU feature %q, which this machine lacks", f)
		}
	}
	return nil
}

// Object returns the loader's view of the artifact's object: programs
// (without bytecode) and maps.
func (a *Artifact) Object() *loader.Object {
	obj := &loader.Object{Maps: a.Maps, ProgramSlots: a.ProgramSlots, Variables: a.Variables}
	for _, p := range a.Programs {
		obj.Programs = append(obj.Programs, &loader.ProgramSpec{Name: p.Name, Section: p.Section})
	}
	return obj
}

// Load maps the artifact's code and creates its maps: a collection ready
// to run, built without the compiler.
func (a *Artifact) Load(hostFeatures []string, opts loader.Options) (*loader.Collection, error) {
	if err := a.Runnable(hostFeatures); err != nil {
		return nil, err
	}
	return loader.New(a.Object(), opts, func(ps *loader.ProgramSpec, env loader.BuildEnv) (loader.Runner, error) {
		p := &a.Programs[env.Index]
		for _, id := range p.Helpers {
			if !env.Helpers.Has(id) {
				return nil, fmt.Errorf("calls helper %d, which is not available", id)
			}
		}
		code := p.Code
		np, err := native.Load(&code, env.Helpers)
		if err != nil {
			return nil, err
		}
		return nativeRunner{np}, nil
	})
}

// nativeRunner adapts native code to the loader (loader.Instancer).
type nativeRunner struct{ *native.Program }

func (n nativeRunner) NewRunner() loader.Runner { return n.NewInstance() }

type writer struct{ buf bytes.Buffer }

func (w *writer) u32(v uint32) { w.buf.Write(binary.LittleEndian.AppendUint32(nil, v)) }
func (w *writer) bytes(b []byte) {
	w.u32(uint32(len(b)))
	w.buf.Write(b)
}
func (w *writer) str(s string) { w.bytes([]byte(s)) }
func (w *writer) bool(b bool) {
	if b {
		w.buf.WriteByte(1)
	} else {
		w.buf.WriteByte(0)
	}
}

// reader decodes fields in order; the first problem sticks in err and
// names the field, and later reads return zero values.
type reader struct {
	data []byte
	off  int
	err  error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.data)-r.off {
		r.err = fmt.Errorf("artifact truncated in %s (need %d bytes at offset %d of %d)", what, n, r.off, len(r.data))
		return nil
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u32(what string) uint32 {
	b := r.take(4, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) bytesField(what string) []byte {
	n := r.u32(what + " length")
	if n > math.MaxInt32 {
		r.err = fmt.Errorf("artifact %s length %d is too large", what, n)
		return nil
	}
	return slices.Clone(r.take(int(n), what))
}

func (r *reader) str(what string) string { return string(r.bytesField(what)) }

func (r *reader) bool(what string) bool {
	b := r.take(1, what)
	if b == nil {
		return false
	}
	if b[0] > 1 {
		r.err = fmt.Errorf("artifact %s is %d, not a boolean", what, b[0])
	}
	return b[0] == 1
}

// count reads a number of items, refusing implausible ones before any
// allocation.
func (r *reader) count(what string, max int) int {
	n := r.u32("number of " + what)
	if int64(n) > int64(max) {
		r.err = fmt.Errorf("artifact claims %d %s (at most %d)", n, what, max)
		return 0
	}
	return int(n)
}
