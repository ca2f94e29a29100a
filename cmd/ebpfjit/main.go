// Command ebpfjit compiles eBPF programs to native code and runs them.
//
// Subcommands print results on stdout and diagnostics on stderr, and exit
// 0 on success, 1 when the program fails at run time (or conformance
// cases fail), and 2 on bad usage or bad input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks bad usage or bad input: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands []command

func init() {
	commands = []command{
		{"run", "run a program and print r0", cmdRun},
		{"conformance", "run .data conformance cases", cmdConformance},
		{"plugin", "act as a bpf_conformance plugin (program hex on stdin)", cmdPlugin},
		{"asm", "assemble text into raw bytecode", cmdAsm},
		{"disasm", "compile a program and print its native code", cmdDisasm},
		{"compile", "compile an ELF object ahead of time (artifact or native ELF)", cmdCompile},
		{"bench", "time a program: result=<u64> median_ns_per_run=<float>", cmdBench},
		{"inspect", "list an ELF object's programs, maps, variables and helpers", cmdInspect},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdin, stdout, stderr)
		if err == nil {
			return exitOK
		}
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		var silent silentFailure
		if !errors.As(err, &silent) {
			fmt.Fprintf(stderr, "ebpfjit %s: %s\n", c.name, oneLine(err.Error()))
		}
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFailure
	}
	fmt.Fprintf(stderr, "ebpfjit: unknown command %q (try ebpfjit help)\n", args[0])
	return exitUsage
}

// silentFailure is a failure already reported on stdout/stderr.
type silentFailure struct{}

func (silentFailure) Error() string { return "failed" }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ebpfjit COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ebpfjit COMMAND -h' for a command's flags.")
}

// parseFlags parses flags that may appear before, between or after the
// positional arguments, and returns the positional ones.
// parseOneFile is parseFlags for commands that take exactly one file
// (what names it in the error).
func parseOneFile(fs *flag.FlagSet, args []string, stderr io.Writer, what string) (string, error) {
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return "", err
	}
	if len(files) != 1 {
		return "", badInput("want exactly one %s, got %d", what, len(files))
	}
	return files[0], nil
}

func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	// The flag package would print the whole usage on every mistake; we
	// want one line, and the usage only when asked for.
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stderr)
				fs.Usage()
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func newFlagSet(name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ebpfjit %s %s\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}
