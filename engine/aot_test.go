package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

func testObject(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "elf", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCache checks hits, and that every kind of bad entry is discarded
// and recompiled without an error reaching the caller.
func TestCache(t *testing.T) {
	object := testObject(t, "globals.o")
	opts := CompileOptions{OptLevel: 2}
	c := &Cache{Dir: t.TempDir()}
	a, hit, err := c.Artifact(object, opts)
	if err != nil || hit {
		t.Fatalf("first use: hit %v, %v", hit, err)
	}
	if _, hit, err := c.Artifact(object, opts); err != nil || !hit {
		t.Fatalf("second use: hit %v, %v", hit, err)
	}
	path := c.Path(object, opts)
	good := a.Marshal()
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	foreign, err := CompileArtifact(object, CompileOptions{Arch: other, OptLevel: 2})
	if err != nil {
		t.Fatal(err)
	}
	version := bytes.Clone(good)
	binary.LittleEndian.PutUint32(version[len(artifact.Magic):], artifact.FormatVersion+1)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)/3]},
		{"corrupted", flipped},
		{"foreign version", version},
		{"foreign arch", foreign.Marshal()},
		{"empty", nil},
	} {
		if err := os.WriteFile(path, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, hit, err := c.Artifact(object, opts)
		if err != nil || hit {
			t.Fatalf("%s entry: hit %v, err %v; want a silent recompile", tc.name, hit, err)
		}
		if !bytes.Equal(got.Marshal(), good) {
			t.Fatalf("%s entry: recompiled artifact differs", tc.name)
		}
		if stored, _ := os.ReadFile(path); !bytes.Equal(stored, good) {
			t.Fatalf("%s entry: the cache was not repaired", tc.name)
		}
	}
	if entries, _ := os.ReadDir(c.Dir); len(entries) != 1 {
		t.Fatalf("cache holds %d files, want 1 (no temporary files left)", len(entries))
	}
	// Other options are another entry.
	if _, hit, _ := c.Artifact(object, CompileOptions{OptLevel: 0}); hit {
		t.Fatal("-O0 hit the -O2 entry")
	}
}

// TestCrossCompile builds the command for arm64, runs it under
// qemu-aarch64-static, and checks that the artifacts it compiles (for both
// targets) are byte-identical to this host's, and that an arm64 artifact
// built here runs there with this host's results.
func TestCrossCompile(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("run from an amd64 host")
	}
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		t.Skip("qemu-aarch64-static not installed")
	}
	if testing.Short() {
		t.Skip("builds the command for arm64")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ebpfjit-arm64")
	build := exec.Command("go", "build", "-o", bin, "../cmd/ebpfjit")
	build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building for arm64: %v\n%s", err, out)
	}
	for _, name := range []string{"globals.o", "calls.o", "atomics.o", "loops.o"} {
		object := testObject(t, name)
		src := filepath.Join(dir, name)
		os.WriteFile(src, object, 0o644)
		for _, arch := range []string{"amd64", "arm64"} {
			for _, lse := range []bool{false, true} {
				if arch == "amd64" && lse {
					continue
				}
				here, err := CompileArtifact(object, CompileOptions{Arch: arch, OptLevel: 2, Features: &jit.Features{ARM64LSE: lse}})
				if err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(dir, name+"."+arch+".art")
				args := []string{"-cpu", "max", bin, "compile", "--arch", arch, "-o", out, src}
				if arch == "arm64" {
					args = append(args[:4], append([]string{"--lse", map[bool]string{true: "true", false: "false"}[lse]}, args[4:]...)...)
				}
				if o, err := exec.Command(qemu, args...).CombinedOutput(); err != nil {
					t.Fatalf("compiling under qemu: %v\n%s", err, o)
				}
				there, _ := os.ReadFile(out)
				if !bytes.Equal(there, here.Marshal()) {
					t.Errorf("%s for %s (lse %v): the artifact compiled on arm64 differs from the one compiled on amd64", name, arch, lse)
				}
			}
		}
		// An arm64 artifact made here runs under qemu like the native code here.
		art, _ := CompileArtifact(object, CompileOptions{Arch: "arm64", OptLevel: 2, Features: &jit.Features{ARM64LSE: false}})
		artPath := filepath.Join(dir, name+".cross.art")
		os.WriteFile(artPath, art.Marshal(), 0o644)
		local, err := CompileArtifact(object, CompileOptions{OptLevel: 2})
		if err != nil {
			t.Fatal(err)
		}
		coll, err := local.Load(native.HostFeatures(), loader.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, prog := range coll.Programs() {
			mem := make([]byte, 256)
			for i := range mem {
				mem[i] = byte(3*i + 1)
			}
			memPath := filepath.Join(dir, "mem.bin")
			os.WriteFile(memPath, mem, 0o644)
			r0, err := coll.Program(prog).RunInPlace(bytes.Clone(mem))
			if err != nil {
				continue // faulting runs are compared by the conformance suites
			}
			for _, cpu := range []string{"max", "cortex-a72"} {
				o, err := exec.Command(qemu, "-cpu", cpu, bin, "run", "--program", prog, "--mem", memPath, artPath).CombinedOutput()
				if err != nil {
					t.Fatalf("%s %s on %s: %v\n%s", name, prog, cpu, err, o)
				}
				if got := strings.TrimSpace(string(o)); got != fmt.Sprintf("0x%x", r0) {
					t.Errorf("%s %s on arm64 %s: %s, amd64 gives %s", name, prog, cpu, got, fmt.Sprintf("0x%x", r0))
				}
			}
		}
		coll.Close()
	}
}
