package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/artifact"
)

// invoke runs the command line in-process.
func invoke(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunExample(t *testing.T) {
	code, out, errs := invoke(t, "", "run", "../../examples/prime.data")
	if code != 0 || out != "0xa8\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunMemoryFlags(t *testing.T) {
	prog := writeFile(t, "p.s", []byte("ldxb %r0, [%r1+1]\nstb [%r1+0], 0x7f\nexit\n"))
	code, out, _ := invoke(t, "", "run", "--mem-hex", "01 02 03", prog)
	if code != 0 || out != "0x2\n" {
		t.Fatalf("--mem-hex: exit %d, stdout %q", code, out)
	}
	memFile := writeFile(t, "mem.bin", []byte{9, 8, 7})
	outFile := filepath.Join(t.TempDir(), "out.bin")
	code, out, _ = invoke(t, "", "run", prog, "--mem", memFile, "--mem-out", outFile)
	if code != 0 || out != "0x8\n" {
		t.Fatalf("--mem: exit %d, stdout %q", code, out)
	}
	got, err := os.ReadFile(outFile)
	if err != nil || !bytes.Equal(got, []byte{0x7f, 8, 7}) {
		t.Fatalf("--mem-out wrote %v, %v", got, err)
	}
}

func TestRunRawBytecode(t *testing.T) {
	// mov r0, 42; exit
	bin := writeFile(t, "p.bin", []byte{0xb7, 0, 0, 0, 42, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0})
	if code, out, _ := invoke(t, "", "run", bin); code != 0 || out != "0x2a\n" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

// TestBadInput checks that malformed input of every kind is reported in
// one line on stderr with exit status 2, and nothing on stdout.
func TestBadInput(t *testing.T) {
	truncated := writeFile(t, "t.bin", []byte{0xb7, 0, 0, 0, 42, 0, 0, 0, 0x95, 0, 0})
	truncLDDW := writeFile(t, "l.bin", []byte{0x18, 0, 0, 0, 1, 0, 0, 0})
	unknownMnemonic := writeFile(t, "u.s", []byte("mov %r0, 1\nfrobnicate %r1\nexit\n"))
	unknownSection := writeFile(t, "s.data", []byte("-- asm\nexit\n-- result\n0\n-- mystery\n"))
	oddHex := writeFile(t, "h.data", []byte("-- asm\nexit\n-- mem\n0g\n-- result\n0\n"))
	invalid := writeFile(t, "i.s", []byte("mov %r10, 1\nexit\n"))
	prog := writeFile(t, "ok.s", []byte("mov %r0, 1\nexit\n"))
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no args", "", nil, ""},
		{"unknown command", "", []string{"frob"}, "unknown command"},
		{"missing file", "", []string{"run", "/nonexistent/p.bin"}, "no such file"},
		{"truncated bytecode", "", []string{"run", truncated}, "not a multiple of 8"},
		{"truncated lddw", "", []string{"run", truncLDDW}, "lddw is truncated"},
		{"unknown mnemonic", "", []string{"run", unknownMnemonic}, "line 2"},
		{"unknown section", "", []string{"run", unknownSection}, "unknown section"},
		{"odd hex", "", []string{"run", oddHex}, "bad memory byte"},
		{"odd --mem-hex", "", []string{"run", "--mem-hex", "1 2 x", prog}, `bad hex "x" in field 3`},
		{"odd-length --mem-hex", "", []string{"run", "--mem-hex", "010", prog}, `bad hex "010" in field 1`},
		{"invalid program", "", []string{"run", invalid}, "r10 is read-only"},
		{"unknown flag", "", []string{"run", "--frob", prog}, "not defined"},
		{"unknown engine", "", []string{"run", "--engine", "nope", prog}, "unknown engine"},
		{"two files", "", []string{"run", prog, prog}, "exactly one"},
		{"conformance missing", "", []string{"conformance", "/nonexistent"}, "no such file"},
		{"conformance nothing", "", []string{"conformance"}, "at least one"},
		{"plugin odd hex", "b7 00 00 00 2a 00 00", []string{"plugin"}, "not a multiple of 8"},
		{"plugin bad hex", "b7 zz", []string{"plugin"}, `bad hex "zz" in field 2`},
		{"plugin bad packed hex", "b70000000500000g", []string{"plugin"}, `bad hex "b70000000500000g" in field 1`},
		{"plugin bad mem", "95 00 00 00 00 00 00 00", []string{"plugin", "0 1 zz"}, "memory argument"},
		{"plugin bad elf", "7f 45 4c 46 00 00", []string{"plugin", "--elf"}, "ELF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := invoke(t, tt.stdin, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errs)
			}
			if out != "" && tt.args != nil {
				t.Errorf("stdout %q, want nothing", out)
			}
			if tt.want != "" && !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q does not mention %q", errs, tt.want)
			}
			if tt.args != nil && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("stderr has several lines: %q", errs)
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stderr shows a panic: %q", errs)
			}
		})
	}
}

func TestRuntimeFaultExitsOne(t *testing.T) {
	prog := writeFile(t, "oob.s", []byte("ldxdw %r0, [%r1+0]\nexit\n"))
	code, out, errs := invoke(t, "", "run", prog)
	if code != 1 || out != "" || !strings.Contains(errs, "instruction 0: out-of-bounds") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestPlugin(t *testing.T) {
	// ldxb r0, [r1+1]; exit
	code, out, errs := invoke(t, "71 10 01 00 00 00 00 00\n95 00 00 00 00 00 00 00", "plugin", "0a 0b 0c")
	if code != 0 || out != "b\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The same with bytes written together, as hex dumps often are.
	code, out, errs = invoke(t, "7110010000000000 0x9500000000000000\n", "plugin", "0a0b0c")
	if code != 0 || out != "b\n" {
		t.Fatalf("packed hex: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestConformanceCommand(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.data"), []byte("-- asm\nmov %r0, 7\nexit\n-- result\n7\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "skip.data"), []byte("-- asm\nexit\n-- result\n0\n-- mystery\n"), 0o644)
	code, out, _ := invoke(t, "", "conformance", dir)
	if code != 0 || !strings.HasSuffix(out, "1 passed, 0 failed, 1 skipped\n") {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	os.WriteFile(filepath.Join(dir, "bad.data"), []byte("-- asm\nmov %r0, 7\nexit\n-- result\n8\n"), 0o644)
	code, out, _ = invoke(t, "", "conformance", dir)
	if code != 1 || !strings.Contains(out, "bad.data: expected 0x8, got 0x7") || !strings.HasSuffix(out, "1 passed, 1 failed, 1 skipped\n") {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

func TestBenchOutput(t *testing.T) {
	code, out, errs := invoke(t, "", "bench", "--rounds", "3", "../../examples/prime.data")
	if code != 0 || !regexp.MustCompile(`^result=168 median_ns_per_run=[0-9]+\.[0-9]+\n$`).MatchString(out) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestCompileAndRunArtifact compiles an object ahead of time and runs the
// artifact, which gives the same result as the object.
func TestCompileAndRunArtifact(t *testing.T) {
	art := filepath.Join(t.TempDir(), "globals.art")
	if code, _, errs := invoke(t, "", "compile", "-o", art, "../../testdata/elf/globals.o"); code != 0 {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	mem := strings.Repeat("03 ", 80)
	_, fromObject, _ := invoke(t, "", "run", "--program", "globals_rw", "--mem-hex", mem, "../../testdata/elf/globals.o")
	code, fromArtifact, errs := invoke(t, "", "run", "--program", "globals_rw", "--mem-hex", mem, art)
	if code != 0 || fromArtifact != fromObject || fromObject == "" {
		t.Fatalf("artifact: exit %d %q %s; object %q", code, fromArtifact, errs, fromObject)
	}
	// The current format's header, then garbage.
	header := binary.LittleEndian.AppendUint32([]byte(artifact.Magic), artifact.FormatVersion)
	damaged := writeFile(t, "bad.art", append(header, "truncated"...))
	if code, _, errs := invoke(t, "", "run", damaged); code != 2 || !strings.Contains(errs, "checksum") {
		t.Fatalf("damaged artifact: exit %d, %q", code, errs)
	}
}

func TestInspect(t *testing.T) {
	code, out, _ := invoke(t, "", "inspect", "../../testdata/elf/maps.o")
	if code != 0 || !strings.Contains(out, "hash_map") || !strings.Contains(out, "map_lookup_elem(1)") {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

// TestInfiniteLoopLimits: uBPF's err-infinite-loop (`ja -1`) ends with a
// one-line error naming the instruction and exit 1 once --budget or
// --timeout is set, on every engine and in every command that runs.
func TestInfiniteLoopLimits(t *testing.T) {
	prog := writeFile(t, "loop.s", []byte("ja -1\nexit\n"))
	data := writeFile(t, "loop.data", []byte("-- asm\nja -1\nexit\n-- result\n0x0\n"))
	for _, eng := range []string{"jit", "interp"} {
		for _, limit := range [][]string{{"--budget", "1000"}, {"--timeout", "50ms"}} {
			args := append([]string{"run", "--engine", eng, prog}, limit...)
			code, out, errs := invoke(t, "", args...)
			if code != 1 || out != "" || !strings.Contains(errs, "instruction 0:") || strings.Count(errs, "\n") != 1 {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
			}
			args = append([]string{"conformance", "--engine", eng, data}, limit...)
			if code, out, _ := invoke(t, "", args...); code != 1 || !strings.Contains(out, "0 passed, 1 failed") {
				t.Errorf("%v: exit %d, stdout %q", args, code, out)
			}
			args = append([]string{"plugin", "--engine", eng}, limit...)
			if code, _, errs := invoke(t, "05 00 ff ff 00 00 00 00", args...); code != 1 || !strings.Contains(errs, "instruction 0:") {
				t.Errorf("%v: exit %d, stderr %q", args, code, errs)
			}
		}
	}
	if code, out, _ := invoke(t, "", "bench", "--budget", "1000", prog); code != 1 || out != "" {
		t.Errorf("bench --budget: exit %d, stdout %q", code, out)
	}
}
