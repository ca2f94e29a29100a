package loader

import (
	"regexp"
	"strconv"
	"strings"

	ciliumasm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// A field-offset relocation moves a load or store to where the target
// puts the field, but the target may also have changed the field's size
// (a u32 that became a u16). libbpf then adjusts the access width to the
// target's size, so a load reads the field alone and a store does not
// spill into its neighbour; a signed field cannot be adjusted (the value
// would need sign extension), and the access fails. cilium/ebpf only
// moves the access, so this file does the adjustment.
//
// cilium/ebpf does not export a relocation's accessor, so it is read from
// the relocation's description; an unexpected description leaves the
// access as cilium/ebpf relocated it.

// reloDescription matches CORERelocation.String():
// CORERelocation(byte_off, Struct:"task_info"[0:4], local_id=5).
var reloDescription = regexp.MustCompile(`^CORERelocation\((\w+), .*\[([0-9:]+)\], local_id=(\d+)\)$`)

// adjustAccessWidth resizes the access ins to the target's field size.
// It reports false when the access cannot be adjusted (a signed field
// whose size changed).
func adjustAccessWidth(ins *ciliumasm.Instruction, relo *btf.CORERelocation, local, target *btf.Spec) bool {
	switch ins.OpCode.Class() {
	case ciliumasm.LdXClass, ciliumasm.StClass, ciliumasm.StXClass:
	default:
		return true
	}
	if ins.OpCode.Mode() != ciliumasm.MemMode && ins.OpCode.Mode() != ciliumasm.MemSXMode {
		return true
	}
	m := reloDescription.FindStringSubmatch(relo.String())
	if m == nil || m[1] != "byte_off" || local == nil || target == nil {
		return true
	}
	var acc []int
	for _, f := range strings.Split(m[2], ":") {
		i, err := strconv.Atoi(f)
		if err != nil {
			return true
		}
		acc = append(acc, i)
	}
	id, err := strconv.ParseUint(m[3], 10, 32)
	if err != nil {
		return true
	}
	base, err := local.TypeByID(btf.TypeID(id))
	if err != nil {
		return true
	}
	path, localField, ok := walkLocal(base, acc)
	if !ok {
		return true
	}
	localSize, err := btf.Sizeof(localField)
	if err != nil {
		return true
	}
	targetSize := -1
	candidates, _ := target.AnyTypesByName(essentialName(base.TypeName()))
	for _, c := range candidates {
		t, ok := walkTarget(c, path)
		if !ok {
			continue
		}
		size, err := btf.Sizeof(t)
		if err != nil {
			continue
		}
		if targetSize >= 0 && size != targetSize {
			return true // ambiguous: cilium/ebpf has its say
		}
		targetSize = size
	}
	width := ins.OpCode.Size().Sizeof()
	if targetSize < 0 || targetSize == localSize || width != localSize {
		return true
	}
	newSize, ok := map[int]ciliumasm.Size{1: ciliumasm.Byte, 2: ciliumasm.Half, 4: ciliumasm.Word, 8: ciliumasm.DWord}[targetSize]
	if !ok || isSigned(localField) {
		return false
	}
	ins.OpCode = ins.OpCode.SetSize(newSize)
	return true
}

// essentialName drops a CO-RE flavour suffix ("task_info___v2").
func essentialName(name string) string {
	if i := strings.Index(name, "___"); i > 0 {
		return name[:i]
	}
	return name
}

// walkLocal follows an accessor (first index: the element of the base
// pointer; then member or array indices) and returns the member names on
// the way ("" for an array element) and the field's type.
func walkLocal(t btf.Type, acc []int) ([]string, btf.Type, bool) {
	t = btf.UnderlyingType(t)
	var path []string
	for _, i := range acc[1:] {
		switch c := t.(type) {
		case *btf.Struct:
			if i >= len(c.Members) || c.Members[i].BitfieldSize != 0 || c.Members[i].Name == "" {
				return nil, nil, false
			}
			path = append(path, c.Members[i].Name)
			t = btf.UnderlyingType(c.Members[i].Type)
		case *btf.Union:
			if i >= len(c.Members) || c.Members[i].BitfieldSize != 0 || c.Members[i].Name == "" {
				return nil, nil, false
			}
			path = append(path, c.Members[i].Name)
			t = btf.UnderlyingType(c.Members[i].Type)
		case *btf.Array:
			path = append(path, "")
			t = btf.UnderlyingType(c.Type)
		default:
			return nil, nil, false
		}
	}
	return path, t, true
}

// walkTarget follows member names (looking inside anonymous members, as
// C does) and returns the field's type.
func walkTarget(t btf.Type, path []string) (btf.Type, bool) {
	t = btf.UnderlyingType(t)
	for _, name := range path {
		if name == "" {
			a, ok := t.(*btf.Array)
			if !ok {
				return nil, false
			}
			t = btf.UnderlyingType(a.Type)
			continue
		}
		m, ok := findMember(t, name)
		if !ok || m.BitfieldSize != 0 {
			return nil, false
		}
		t = btf.UnderlyingType(m.Type)
	}
	return t, true
}

func findMember(t btf.Type, name string) (btf.Member, bool) {
	var members []btf.Member
	switch c := t.(type) {
	case *btf.Struct:
		members = c.Members
	case *btf.Union:
		members = c.Members
	default:
		return btf.Member{}, false
	}
	for _, m := range members {
		if m.Name == name {
			return m, true
		}
	}
	for _, m := range members {
		if m.Name == "" {
			if found, ok := findMember(btf.UnderlyingType(m.Type), name); ok {
				return found, true
			}
		}
	}
	return btf.Member{}, false
}

// isSigned reports whether a field holds a signed integer.
func isSigned(t btf.Type) bool {
	switch x := t.(type) {
	case *btf.Int:
		return x.Encoding&btf.Signed != 0
	case *btf.Enum:
		return x.Signed
	}
	return false
}
