package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/validate"
	"github.com/ebpfjit/ebpfjit/vm"
)

// isELF reports whether path holds an ELF object.
func isELF(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && detectFormat(path, data) == formatELF
}

// pickProgram returns the program called name, or the only one when name
// is empty.
func pickProgram(names []string, name string) (string, error) {
	if name != "" {
		for _, n := range names {
			if n == name {
				return name, nil
			}
		}
		return "", badInput("no program %q in the object (have %s)", name, strings.Join(names, ", "))
	}
	if len(names) == 1 {
		return names[0], nil
	}
	return "", badInput("the object has %d programs (%s): choose one with --program", len(names), strings.Join(names, ", "))
}

// btfFlag is --btf: the BTF that CO-RE relocations resolve against.
type btfFlag struct{ path string }

func newBTFFlag(fs *flag.FlagSet) *btfFlag {
	b := &btfFlag{}
	fs.StringVar(&b.path, "btf", "", "BTF to resolve CO-RE relocations against: an ELF with .BTF or raw BTF (default: the host kernel's)")
	return b
}

// parseOptions reads the BTF file, if any.
func (b *btfFlag) parseOptions() (loader.ParseOptions, error) {
	if b == nil || b.path == "" {
		return loader.ParseOptions{}, nil
	}
	spec, err := btf.LoadSpec(b.path)
	if err != nil {
		return loader.ParseOptions{}, badInput("--btf %s: %v", b.path, err)
	}
	return loader.ParseOptions{CORETarget: spec}, nil
}

// runELF loads an object and runs one of its programs.
func runELF(path, program, eng string, level int, core *btfFlag, mem memoryFlags, memOut string, lim *runLimits, perfMap bool, stdout io.Writer) error {
	po, err := core.parseOptions()
	if err != nil {
		return err
	}
	coll, err := engine.LoadFile(path, eng, level, loader.Options{Parse: po, PerfMap: perfMap})
	if err != nil {
		return badInput("%v", err)
	}
	defer coll.Close()
	return runProgram(coll, program, mem, memOut, lim, stdout)
}

// runProgram runs one program of a loaded collection on the memory the
// flags give, writes the memory back to memOut (if set) and prints r0.
func runProgram(coll *loader.Collection, program string, mem memoryFlags, memOut string, lim *runLimits, stdout io.Writer) error {
	name, err := pickProgram(coll.Programs(), program)
	if err != nil {
		return err
	}
	memory, err := mem.load(nil)
	if err != nil {
		return err
	}
	ctx, cancel := lim.context()
	defer cancel()
	r0, runErr := coll.Program(name).RunWith(memory, lim.options(ctx))
	if memOut != "" {
		if err := os.WriteFile(memOut, memory, 0o644); err != nil {
			return badInput("%v", err)
		}
	}
	if runErr != nil {
		return runErr
	}
	fmt.Fprintln(stdout, formatR0(r0))
	return nil
}

// elfProgram parses an object and returns one program's instructions and
// the value sizes of its maps (what compiling it alone needs).
func elfProgram(path, program string, core *btfFlag) ([]isa.Instruction, []uint32, []*maps.Spec, error) {
	po, err := core.parseOptions()
	if err != nil {
		return nil, nil, nil, err
	}
	obj, err := loader.ParseFile(path, po)
	if err != nil {
		return nil, nil, nil, badInput("%v", err)
	}
	var names []string
	for _, p := range obj.Programs {
		names = append(names, p.Name)
	}
	name, err := pickProgram(names, program)
	if err != nil {
		return nil, nil, nil, err
	}
	sizes := make([]uint32, len(obj.Maps))
	for i, m := range obj.Maps {
		sizes[i] = m.ValueSize
	}
	for _, p := range obj.Programs {
		if p.Name != name {
			continue
		}
		if err := p.LoadError(obj.Maps); err != nil {
			return nil, nil, nil, badInput("%s: program %q: %v", path, p.Name, err)
		}
		if p.Name == name {
			return p.Insns, sizes, obj.Maps, nil
		}
	}
	return nil, nil, nil, badInput("no program %q", name)
}

func cmdInspect(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "[--btf FILE] FILE.o")
	core := newBTFFlag(fs)
	file, err := parseOneFile(fs, args, stderr, "object file")
	if err != nil {
		return err
	}
	po, err := core.parseOptions()
	if err != nil {
		return err
	}
	obj, err := loader.ParseFile(file, po)
	if err != nil {
		return badInput("%v", err)
	}
	helpers := loaderHelpers()
	fmt.Fprintln(stdout, "programs:")
	for _, p := range obj.Programs {
		sizes := make([]uint32, len(obj.Maps))
		for i, m := range obj.Maps {
			sizes[i] = m.ValueSize
		}
		info, err := validate.Program(p.Insns, &validate.Options{MapValueSizes: sizes})
		line := fmt.Sprintf("  %-24s section %-16s %6d instructions", p.Name, p.Section, len(p.Insns))
		loadErr := p.LoadError(obj.Maps)
		switch {
		case loadErr != nil:
			line += "  INVALID: " + loadErr.Error()
		case err != nil:
			line += "  INVALID: " + err.Error()
		default:
			line += fmt.Sprintf("  %d functions", len(info.Functions))
			var hs []string
			for _, id := range info.Helpers {
				name := fmt.Sprintf("#%d", id)
				if h := helpers.Lookup(id); h != nil {
					name = fmt.Sprintf("%s(%d)", h.Name, id)
				} else {
					name += " (unknown)"
				}
				hs = append(hs, name)
			}
			if len(hs) > 0 {
				line += "  helpers: " + strings.Join(hs, " ")
			}
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout, "maps:")
	for i, m := range obj.Maps {
		ro := ""
		switch {
		case m.ReadOnly:
			ro = " read-only"
		case m.ProgramPerm() != vm.PermRW:
			ro = " " + m.ProgramPerm().String() + " for programs"
		}
		fmt.Fprintf(stdout, "  %-3d %-24s %-16s key %4d  value %6d  max_entries %8d%s\n", i, m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, ro)
	}
	if len(obj.Variables) > 0 {
		fmt.Fprintln(stdout, "variables:")
		vars := append([]loader.Variable(nil), obj.Variables...)
		sort.Slice(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
		for _, v := range vars {
			fmt.Fprintf(stdout, "  %-24s %-16s offset %5d  size %5d\n", v.Name, obj.Maps[v.Map].Name, v.Offset, v.Size)
		}
	}
	return nil
}

// loaderHelpers is the helper set collections get, for names.
func loaderHelpers() *vm.Helpers {
	c, err := engine.LoadObject(&loader.Object{}, "interp", 0, loader.Options{})
	if err != nil {
		return vm.BaseHelpers()
	}
	return c.Helpers()
}
