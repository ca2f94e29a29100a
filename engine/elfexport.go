package engine

import "errors"

// CompileELF compiles an object into a native ELF relocatable object.
func CompileELF(object []byte, opts CompileOptions) ([]byte, error) {
	return nil, errors.New("native ELF export is not implemented yet")
}
