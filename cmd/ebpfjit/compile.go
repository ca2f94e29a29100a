package main

import (
	"bytes"
	"io"
	"os"
	"runtime"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
)

// cmdCompile compiles an ELF object ahead of time into an artifact (or a
// native ELF object) that runs without the compiler.
func cmdCompile(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("compile", "[--arch amd64|arm64] [-O0|-O2] [--lse] [--btf FILE] [--format artifact|elf [--header FILE.h]] -o OUT FILE.o")
	core := newBTFFlag(fs)
	header := fs.String("header", "", "with --format elf: also write a C header declaring the functions, helpers and maps")
	arch := fs.String("arch", runtime.GOARCH, "target architecture")
	lse := fs.String("lse", "", "arm64: use the ARMv8.1 atomics (true/false; default: this machine's, or false when cross-compiling)")
	format := fs.String("format", "artifact", "output: artifact (for ebpfjit run and the Go API) or elf (a native object to link with C)")
	out := fs.String("o", "", "output file (required)")
	opt := optFlags(fs)
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) != 1 || *out == "" {
		return badInput("want -o OUT and exactly one object file")
	}
	object, err := os.ReadFile(files[0])
	if err != nil {
		return badInput("%v", err)
	}
	po, err := core.parseOptions()
	if err != nil {
		return err
	}
	opts := engine.CompileOptions{Arch: *arch, OptLevel: opt.level(), Parse: po}
	switch *lse {
	case "":
	case "true", "false":
		opts.Features = &jit.Features{ARM64LSE: *lse == "true"}
	default:
		return badInput("--lse must be true or false")
	}
	switch *format {
	case "artifact":
		a, err := engine.CompileArtifact(object, opts)
		if err != nil {
			return badInput("%s: %v", files[0], err)
		}
		if err := os.WriteFile(*out, a.Marshal(), 0o644); err != nil {
			return badInput("%v", err)
		}
	case "elf":
		data, h, err := engine.CompileELF(object, opts)
		if err != nil {
			return badInput("%s: %v", files[0], err)
		}
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return badInput("%v", err)
		}
		if *header != "" {
			if err := os.WriteFile(*header, []byte(h), 0o644); err != nil {
				return badInput("%v", err)
			}
		}
	default:
		return badInput("unknown --format %q (want artifact or elf)", *format)
	}
	return nil
}

// isArtifact reports whether data is an artifact.
func isArtifact(data []byte) bool { return bytes.HasPrefix(data, []byte(artifact.Magic)) }

// runArtifact loads a compiled artifact and runs one of its programs.
func runArtifact(path string, data []byte, program string, mem memoryFlags, memOut string, lim *runLimits, perfMap bool, stdout io.Writer) error {
	a, err := artifact.Unmarshal(data)
	if err != nil {
		return badInput("%s: %v", path, err)
	}
	coll, err := a.Load(native.HostFeatures(), loader.Options{PerfMap: perfMap})
	if err != nil {
		return badInput("%s: %v", path, err)
	}
	defer coll.Close()
	return runProgram(coll, program, mem, memOut, lim, stdout)
}
