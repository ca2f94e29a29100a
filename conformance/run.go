package conformance

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ebpfjit/ebpfjit/isa"
)

// Status is the outcome of one case.
type Status int

// Outcomes.
const (
	Pass Status = iota
	Fail
	Skip
)

// Result is the outcome of running one case.
type Result struct {
	Name   string
	Status Status
	Detail string // why it failed or was skipped
}

// Program is a program some engine built.
type Program interface {
	Run(mem []byte) (uint64, error)
	Close() error
}

// Builder runs cases on one engine: Build turns a case's instructions
// into something runnable (the engine package provides it; taking it as a
// function keeps this package free of every engine).
type Builder struct {
	Build func(prog []isa.Instruction) (Program, error)
}

// Run runs one case.
func (b Builder) Run(c *Case) Result {
	res := Result{Name: c.Name}
	if c.Skip != "" {
		res.Status, res.Detail = Skip, c.Skip
		return res
	}
	r0, err := b.execute(c)
	switch {
	case c.HasError && err == nil:
		res.Status, res.Detail = Fail, fmt.Sprintf("expected an error, got result 0x%x", r0)
	case c.HasError && c.Error != "" && !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.Error)):
		res.Status, res.Detail = Fail, fmt.Sprintf("expected an error containing %q, got: %v", c.Error, err)
	case c.HasError:
		res.Status = Pass
	case err != nil:
		res.Status, res.Detail = Fail, err.Error()
	case r0 != c.Result:
		res.Status, res.Detail = Fail, fmt.Sprintf("expected 0x%x, got 0x%x", c.Result, r0)
	default:
		res.Status = Pass
	}
	return res
}

func (b Builder) execute(c *Case) (uint64, error) {
	prog, err := c.Program()
	if err != nil {
		return 0, err
	}
	p, err := b.Build(prog)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	mem := append([]byte(nil), c.Mem...) // a writable copy
	return p.Run(mem)
}

// Files expands paths (files or folders, searched recursively for *.data)
// into a sorted list of .data files.
func Files(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".data") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	return files, nil
}

// Summary counts outcomes.
type Summary struct {
	Passed, Failed, Skipped int
}

func (s Summary) String() string {
	out := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		out += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return out
}

// RunFiles runs every file, printing one line per failure (and per skip
// when verbose) to w. A file that cannot be read or parsed counts as a
// failure.
func (b Builder) RunFiles(files []string, w io.Writer, verbose bool) Summary {
	var sum Summary
	for _, f := range files {
		res := b.RunFile(f)
		switch res.Status {
		case Pass:
			sum.Passed++
			if verbose {
				fmt.Fprintf(w, "PASS %s\n", f)
			}
		case Fail:
			sum.Failed++
			fmt.Fprintf(w, "FAIL %s: %s\n", f, res.Detail)
		case Skip:
			sum.Skipped++
			if verbose {
				fmt.Fprintf(w, "SKIP %s: %s\n", f, res.Detail)
			}
		}
	}
	return sum
}

// RunFile reads, parses and runs one file.
func (b Builder) RunFile(path string) Result {
	data, err := os.ReadFile(path)
	if err != nil {
		return Result{Name: path, Status: Fail, Detail: err.Error()}
	}
	c, err := Parse(path, data)
	if err != nil {
		return Result{Name: path, Status: Fail, Detail: err.Error()}
	}
	return b.Run(c)
}
