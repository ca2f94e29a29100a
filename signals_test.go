package ebpfjit_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ebpfjit/ebpfjit"
)

// TestSIGQUITDuringNativeRun sends SIGQUIT to a process (this test binary
// run again) whose goroutine spins in native code: the runtime must print
// its usual goroutine dump, with the spinning goroutine in the runtime's
// Go frames, instead of crashing on the unknown PC.
func TestSIGQUITDuringNativeRun(t *testing.T) {
	if os.Getenv("EBPFJIT_SPIN_CHILD") == "1" {
		_, p, err := ebpfjit.NewProgram(countdown, nil)
		if err != nil {
			panic(err)
		}
		go func() {
			time.Sleep(300 * time.Millisecond)
			syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		}()
		p.RunContext(context.Background(), nil, nil)
		return
	}
	{
		args := []string{os.Args[0], "-test.run=^TestSIGQUITDuringNativeRun$"}
		if err := exec.Command(os.Args[0], "-test.list=^$").Run(); errors.Is(err, syscall.ENOEXEC) {
			// A test binary for another architecture, run under
			// user-mode emulation: run the child the same way.
			qemu, err := exec.LookPath("qemu-" + map[string]string{"arm64": "aarch64"}[runtime.GOARCH] + "-static")
			if err != nil {
				t.Skip("cannot run this test binary again:", err)
			}
			args = append([]string{qemu}, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "EBPFJIT_SPIN_CHILD=1", "GOTRACEBACK=all")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		text := out.String()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Fatalf("child exited with %v, want status 2 from SIGQUIT:\n%s", err, text)
		}
		for _, bad := range []string{"fatal error", "unknown pc", "SIGSEGV", "unexpected return pc"} {
			if strings.Contains(text, bad) {
				t.Fatalf("the dump has %q:\n%s", bad, text)
			}
		}
		if !strings.Contains(text, "SIGQUIT: quit") || !strings.Contains(text, "native.(*Instance).RunWith") {
			t.Fatalf("no goroutine dump with the native run in it:\n%s", text)
		}
	}
}

// TestCPUProfileNamesProgram takes a CPU profile while a program spins in
// native code: samples must be taken, in the runtime's Go frames, and
// labelled with the program's name.
func TestCPUProfileNamesProgram(t *testing.T) {
	_, p, err := ebpfjit.NewProgram(countdown, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skip("a CPU profile is already running:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	// The first run may start before the first sample is seen; later
	// runs carry the label.
	for ctx.Err() == nil {
		p.RunContext(ctx, nil, &ebpfjit.RunOptions{Budget: 1 << 20})
	}
	pprof.StopCPUProfile()
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// The profile's string table holds the names of the functions and
	// labels its samples use.
	for _, want := range []string{"ebpf.program", "main", "native.(*Instance).RunWith"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the profile does not mention %q", want)
		}
	}
}

// TestPerfMap: with Options.PerfMap, the native code's functions are
// appended to /tmp/perf-PID.map in perf's "START SIZE name" form.
func TestPerfMap(t *testing.T) {
	path := fmt.Sprintf("/tmp/perf-%d.map", os.Getpid())
	defer os.Remove(path)
	// mov r1, 1; call f; exit; f: mov r0, r1; exit
	code := []byte{
		0xb7, 0x01, 0, 0, 1, 0, 0, 0,
		0x85, 0x10, 0, 0, 1, 0, 0, 0,
		0x95, 0, 0, 0, 0, 0, 0, 0,
		0xbf, 0x10, 0, 0, 0, 0, 0, 0,
		0x95, 0, 0, 0, 0, 0, 0, 0,
	}
	coll, p, err := ebpfjit.NewProgram(code, &ebpfjit.Options{PerfMap: true})
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	if r0, err := p.Run(nil); err != nil || r0 != 1 {
		t.Fatalf("run: %d, %v", r0, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var start, size uint64
		var name string
		if n, err := fmt.Sscanf(line, "%x %x %s", &start, &size, &name); n != 3 || err != nil || start == 0 || size == 0 {
			t.Fatalf("bad perf map line %q", line)
		}
		names[name] = true
	}
	for _, want := range []string{"ebpf:main:main", "ebpf:main:f3", "ebpf:main:runtime"} {
		if !names[want] {
			t.Errorf("perf map has no %s:\n%s", want, data)
		}
	}
}
