package engine

import (
	"fmt"
	"os"

	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/ir"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

// Builder returns the loader.Builder of the named engine.
func Builder(name string, optLevel int) (loader.Builder, error) {
	if err := Check(name); err != nil {
		return nil, err
	}
	if name == "interp" {
		return func(ps *loader.ProgramSpec, env loader.BuildEnv) (loader.Runner, error) {
			return interp.New(ps.Insns, interp.Options{Helpers: env.Helpers, MapValueSizes: env.MapValueSizes})
		}, nil
	}
	return JITBuilder(jit.Options{OptLevel: optLevel}), nil
}

// JITBuilder builds programs with the JIT for this machine, compiled with
// o (its helpers and map details come from the collection).
func JITBuilder(o jit.Options) loader.Builder {
	return func(ps *loader.ProgramSpec, env loader.BuildEnv) (loader.Runner, error) {
		opts := o
		opts.Helpers, opts.MapValueSizes, opts.Maps = env.Helpers, env.MapValueSizes, MapInfo(env.MapSpecs)
		res, err := jit.Compile(ps.Insns, opts)
		if err != nil {
			return nil, err
		}
		np, err := native.Load(res.Code, env.Helpers)
		if err != nil {
			return nil, err
		}
		return NativeRunner{np}, nil
	}
}

// NativeRunner adapts native code to the loader: each of the loader's
// per-goroutine instances gets its own execution context.
type NativeRunner struct{ *native.Program }

// NewRunner implements loader.Instancer.
func (n NativeRunner) NewRunner() loader.Runner { return n.NewInstance() }

// LoadObject loads a parsed object with the named engine.
func LoadObject(obj *loader.Object, name string, optLevel int, opts loader.Options) (*loader.Collection, error) {
	build, err := Builder(name, optLevel)
	if err != nil {
		return nil, err
	}
	return loader.New(obj, opts, build)
}

// LoadFile parses an object file and loads it with the named engine.
func LoadFile(path, name string, optLevel int, opts loader.Options) (*loader.Collection, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj, err := loader.Parse(data, opts.Parse)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c, err := LoadObject(obj, name, optLevel, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// MapInfo describes an object's maps to the compiler: lookups in plain
// arrays compile to arithmetic (values are 8-byte aligned, as the kernel
// lays them out).
func MapInfo(specs []*maps.Spec) []ir.MapInfo {
	out := make([]ir.MapInfo, len(specs))
	for i, s := range specs {
		if s.Type == maps.Array {
			out[i] = ir.MapInfo{Array: true, MaxEntries: s.MaxEntries, Stride: (s.ValueSize + 7) &^ 7}
		}
	}
	return out
}
