package artifact_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

func compileObject(t testing.TB, name string, opts engine.CompileOptions) (*artifact.Artifact, []byte) {
	t.Helper()
	object, err := os.ReadFile(filepath.Join("..", "testdata", "elf", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := engine.CompileArtifact(object, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, object
}

func TestRoundTrip(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		a, _ := compileObject(t, "tailcall.o", engine.CompileOptions{Arch: arch, OptLevel: 2, Features: &jit.Features{}})
		data := a.Marshal()
		b, err := artifact.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Fatalf("%s: round trip changed the artifact:\n%s", arch, d)
		}
		if !bytes.Equal(b.Marshal(), data) {
			t.Fatalf("%s: re-encoding differs", arch)
		}
	}
}

// TestDeterministic checks that the same input, options and features
// always give the same bytes, for both targets.
func TestDeterministic(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		for _, obj := range []string{"maps.o", "calls.o", "loops.o"} {
			opts := engine.CompileOptions{Arch: arch, OptLevel: 2, Features: &jit.Features{ARM64LSE: arch == "arm64"}}
			a, _ := compileObject(t, obj, opts)
			b, _ := compileObject(t, obj, opts)
			if !bytes.Equal(a.Marshal(), b.Marshal()) {
				t.Errorf("%s %s: two compilations differ", arch, obj)
			}
		}
	}
}

// TestDamage checks that a truncated, bit-flipped, foreign-version or
// foreign-architecture artifact is refused with a clear error.
func TestDamage(t *testing.T) {
	a, _ := compileObject(t, "globals.o", engine.CompileOptions{OptLevel: 2})
	data := a.Marshal()
	for n := 0; n < len(data); n += 1 + n/16 {
		if _, err := artifact.Unmarshal(data[:n]); err == nil {
			t.Fatalf("a %d-byte prefix of a %d-byte artifact was accepted", n, len(data))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		d := bytes.Clone(data)
		d[r.IntN(len(d))] ^= 1 << r.IntN(8)
		if _, err := artifact.Unmarshal(d); err == nil {
			t.Fatalf("flip %d was accepted", i)
		}
	}
	v := bytes.Clone(data)
	v[len(artifact.Magic)]++
	if _, err := artifact.Unmarshal(v); !errors.Is(err, artifact.ErrVersion) {
		t.Fatalf("foreign version: %v", err)
	}
	if _, err := artifact.Unmarshal([]byte("\x7fELF not an artifact")); !errors.Is(err, artifact.ErrFormat) {
		t.Fatalf("non-artifact: %v", err)
	}
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	foreign, _ := compileObject(t, "globals.o", engine.CompileOptions{Arch: other, OptLevel: 2})
	if _, err := foreign.Load(native.HostFeatures(), loader.Options{}); err == nil {
		t.Fatal("an artifact for another architecture was loaded")
	}
	if runtime.GOARCH == "arm64" && !jit.HostFeatures().ARM64LSE {
		lse, _ := compileObject(t, "atomics.o", engine.CompileOptions{OptLevel: 2, Features: &jit.Features{ARM64LSE: true}})
		if _, err := lse.Load(native.HostFeatures(), loader.Options{}); err == nil {
			t.Fatal("an artifact needing LSE was loaded on a CPU without it")
		}
	}
}

// TestRunsLikeTheJIT runs every program of every test object from an
// artifact and from the JIT on the same input and compares the results.
func TestRunsLikeTheJIT(t *testing.T) {
	if !jitHere() {
		t.Skip("no backend for this machine")
	}
	objects, _ := filepath.Glob(filepath.Join("..", "testdata", "elf", "*.o"))
	for _, path := range objects {
		name := filepath.Base(path)
		a, object := compileObject(t, name, engine.CompileOptions{OptLevel: 2})
		b, err := artifact.Unmarshal(a.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		fromArtifact, err := b.Load(native.HostFeatures(), loader.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		obj, _ := loader.Parse(object, loader.ParseOptions{})
		fromJIT, err := engine.LoadObject(obj, "jit", 2, loader.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, prog := range fromJIT.Programs() {
			in := make([]byte, 512)
			for i := range in {
				in[i] = byte(i * 7)
			}
			m1, m2 := bytes.Clone(in), bytes.Clone(in)
			r1, e1 := fromJIT.Program(prog).RunInPlace(m1)
			r2, e2 := fromArtifact.Program(prog).RunInPlace(m2)
			if r1 != r2 || (e1 == nil) != (e2 == nil) || !bytes.Equal(m1, m2) {
				t.Errorf("%s %s: jit %#x %v, artifact %#x %v", name, prog, r1, e1, r2, e2)
			}
		}
		fromArtifact.Close()
		fromJIT.Close()
	}
}

func jitHere() bool {
	for _, a := range jit.Arches() {
		if a == runtime.GOARCH {
			return true
		}
	}
	return false
}

// FuzzUnmarshal feeds arbitrary bytes (seeded with real artifacts) to the
// reader: it must return an artifact or an error, never panic.
func FuzzUnmarshal(f *testing.F) {
	for _, obj := range []string{"globals.o", "tailcall.o", "maps.o"} {
		a, _ := compileObject(f, obj, engine.CompileOptions{OptLevel: 2})
		data := a.Marshal()
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if a, err := artifact.Unmarshal(data); err == nil {
			a.Object()
		}
		// Also with a valid checksum over the mutated body, so the field
		// decoding behind the checksum gets fuzzed too.
		if len(data) > sha256.Size {
			body := data[:len(data)-sha256.Size]
			sum := sha256.Sum256(body)
			if a, err := artifact.Unmarshal(append(bytes.Clone(body), sum[:]...)); err == nil {
				a.Object()
			}
		}
	})
}
