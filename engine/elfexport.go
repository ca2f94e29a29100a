package engine

import (
	"github.com/ebpfjit/ebpfjit/elfexport"
	"github.com/ebpfjit/ebpfjit/loader"
)

// CompileELF compiles an object into a native ELF relocatable object
// linkable with C, and the C header that declares its functions, the
// helpers it needs and its maps (see package elfexport).
func CompileELF(object []byte, opts CompileOptions) ([]byte, string, error) {
	a, err := CompileArtifact(object, opts)
	if err != nil {
		return nil, "", err
	}
	helpers := loader.StandardHelpers(nil)
	for _, h := range opts.Helpers {
		helpers.Register(h.ID, h.Name, h.Fn)
	}
	in := elfexport.Input{Arch: a.Arch, Maps: a.Maps, HelperName: func(id int32) string {
		if h := helpers.Lookup(id); h != nil {
			return h.Name
		}
		return ""
	}}
	for i := range a.Programs {
		p := &a.Programs[i]
		in.Programs = append(in.Programs, elfexport.Program{Name: p.Name, Code: &p.Code, Helpers: p.Helpers})
	}
	return elfexport.Write(in)
}
