package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadELFObjects: objects the loader refuses make every ELF command
// exit 2 with one line on stderr naming the part at fault, and nothing on
// stdout.
func TestBadELFObjects(t *testing.T) {
	core := func(name string) string { return filepath.Join("../../testdata/core", name) }
	real, err := os.ReadFile(core("core_prog.o"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, "truncated.o", real[:len(real)/2])
	empty := writeFile(t, "empty.o", nil)
	garbage := writeFile(t, "garbage", append([]byte("\x7fELF"), make([]byte, 60)...))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unsupported map", []string{"run", core("bad_sockmap.o")}, []string{"bad_sockmap.o", `map "sock_map"`, "not supported"}},
		{"perf event array", []string{"inspect", core("bad_perf_array.o")}, []string{`map "events"`}},
		{"unknown helper", []string{"run", core("bad_unknown_helper.o")}, []string{`program "calls_bogus_helper"`, "unknown helper 9999"}},
		{"kfunc", []string{"run", "--engine", "interp", core("bad_kfunc.o")}, []string{`program "calls_kfunc"`, "kfunc"}},
		{"undefined function", []string{"disasm", core("bad_extern_fn.o")}, []string{"undefined_function"}},
		{"no programs", []string{"inspect", core("bad_no_programs.o")}, []string{"bad_no_programs.o", "program"}},
		{"huge map", []string{"run", core("bad_huge_map.o")}, []string{"ENOMEM"}},
		{"truncated", []string{"run", truncated}, []string{"truncated.o", "ELF"}},
		{"empty", []string{"inspect", empty}, []string{"empty.o", "ELF"}},
		{"ELF magic and zeros", []string{"run", garbage}, []string{"ELF"}},
		// CO-RE against the host kernel (the CLI has no way to name
		// another target): task_info is no kernel type, the accesses are
		// poisoned and the program does not build.
		{"CO-RE without a target", []string{"run", "--program", "core_fields", core("core_prog.o")}, []string{`program "core_`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := invoke(t, "", tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errs)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q does not mention %q", errs, w)
				}
			}
			if strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("stderr has several lines: %q", errs)
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stderr shows a panic: %q", errs)
			}
		})
	}
}
