package loader

import (
	"fmt"

	"github.com/ebpfjit/ebpfjit/isa"
	"github.com/ebpfjit/ebpfjit/loader/maps"
	"github.com/ebpfjit/ebpfjit/vm"
)

// LoadError reports why a program of an object must not load, or nil:
// the first CO-RE relocation it can reach that the target could not
// satisfy, or the first call it can reach that would change a map
// programs may only read (BPF_F_RDONLY_PROG, .rodata) through a helper
// (update, delete, push, pop) with that map as a constant argument, which
// the kernel's verifier refuses ("write into map forbidden"). Such a call
// with a map the analysis cannot pin down fails when it runs instead.
// specs are the object's maps, by index.
func (ps *ProgramSpec) LoadError(specs []*maps.Spec) error {
	if len(ps.COREFailures) > 0 {
		return ps.COREFailures[0]
	}
	readOnly := false
	for _, s := range specs {
		if s != nil && s.ProgramPerm()&vm.PermWrite == 0 {
			readOnly = true
		}
	}
	if !readOnly {
		return nil
	}
	live, states := analyze(ps.Insns)
	for pc, ins := range ps.Insns {
		if !live[pc] || ins.Kind() != isa.KindCall || !writesMap(ins.Imm) {
			continue
		}
		r1 := states[pc][isa.R1]
		if !r1.known || !r1.handle || r1.v >= uint64(len(specs)) || specs[r1.v] == nil {
			continue
		}
		if s := specs[r1.v]; s.ProgramPerm()&vm.PermWrite == 0 {
			return fmt.Errorf("instruction %d: %s changes map %q, which programs may only read (BPF_F_RDONLY_PROG or .rodata): write into map forbidden",
				pc, helperName(ins.Imm), s.Name)
		}
	}
	return nil
}

// helperName names the helpers writesMap lists.
func helperName(id int32) string {
	switch id {
	case helperMapUpdateElem:
		return "map_update_elem"
	case helperMapDeleteElem:
		return "map_delete_elem"
	case helperMapPushElem:
		return "map_push_elem"
	case helperMapPopElem:
		return "map_pop_elem"
	}
	return fmt.Sprintf("helper %d", id)
}
