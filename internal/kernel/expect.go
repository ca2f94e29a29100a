package kernel

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Outcome is the part of a run that another runtime can reproduce and
// compare: environment-dependent details are normalised away.
//
//   - R0 holds only the low 32 bits of r0 (all BPF_PROG_TEST_RUN reports).
//   - Maps holds, per map, hex(key) -> value. Per-CPU maps hold the value
//     seen by the CPU that ran the program (a runtime that emulates one CPU
//     compares its CPU 0 view). Array and per-CPU array maps (including the
//     .data/.rodata/.bss maps) list only entries that are not all zero; hash
//     maps list every entry. Program arrays, ring buffers, queues and stacks
//     never appear in Maps, nor do maps a test marks unchecked.
//   - Ringbuf holds the records committed to each ring buffer, in order.
//   - Queues holds the elements left in each queue or stack, in pop order.
type Outcome struct {
	R0      uint32
	Context []byte
	Maps    map[string]map[string][]byte
	Ringbuf map[string][][]byte
	Queues  map[string][][]byte
}

// Outcome reduces a kernel Result to an Outcome, leaving out the maps
// named in unchecked.
func (r *Result) Outcome(unchecked ...string) *Outcome {
	o := &Outcome{
		R0:      uint32(r.R0),
		Context: slices.Clone(r.Context),
		Maps:    map[string]map[string][]byte{},
		Ringbuf: map[string][][]byte{},
		Queues:  map[string][][]byte{},
	}
	for name, contents := range r.Maps {
		if slices.Contains(unchecked, name) {
			continue
		}
		info := r.MapInfo[name]
		view := map[string][]byte{}
		for k := range contents {
			v := contents[k]
			if info.PerCPU {
				v = r.PerCPUValue(name, k, r.CPU)
			}
			view[k] = slices.Clone(v)
		}
		o.Maps[name] = NormalizeMap(info.Type, view)
	}
	for name, recs := range r.Ringbuf {
		if !slices.Contains(unchecked, name) {
			o.Ringbuf[name] = recs
		}
	}
	for name, elems := range r.Queues {
		if !slices.Contains(unchecked, name) {
			o.Queues[name] = elems
		}
	}
	return o
}

// NormalizeMap applies Outcome's rule to the contents of one map of the
// given type (a cilium/ebpf MapType name such as "Array" or "Hash"): array
// maps lose their all-zero entries.
func NormalizeMap(mapType string, contents map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range contents {
		if (mapType == "Array" || mapType == "PerCPUArray") && allZero(v) {
			continue
		}
		out[k] = v
	}
	return out
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// Diff describes the differences between two outcomes, or returns "" when
// they are equal.
func (o *Outcome) Diff(want *Outcome) string {
	var d []string
	if o.R0 != want.R0 {
		d = append(d, fmt.Sprintf("r0 = %#x, want %#x", o.R0, want.R0))
	}
	if !bytes.Equal(o.Context, want.Context) {
		d = append(d, fmt.Sprintf("context = %x\n            want %x", o.Context, want.Context))
	}
	for _, name := range unionKeys(o.Maps, want.Maps) {
		got, exp := o.Maps[name], want.Maps[name]
		for _, k := range unionKeys(got, exp) {
			g, gok := got[k]
			e, eok := exp[k]
			switch {
			case !gok:
				d = append(d, fmt.Sprintf("map %s: key %s missing, want %x", name, k, e))
			case !eok:
				d = append(d, fmt.Sprintf("map %s: unexpected key %s = %x", name, k, g))
			case !bytes.Equal(g, e):
				d = append(d, fmt.Sprintf("map %s[%s] = %x, want %x", name, k, g, e))
			}
		}
	}
	for _, name := range unionKeys(o.Ringbuf, want.Ringbuf) {
		if !slices.EqualFunc(o.Ringbuf[name], want.Ringbuf[name], bytes.Equal) {
			d = append(d, fmt.Sprintf("ring buffer %s = %x, want %x", name, o.Ringbuf[name], want.Ringbuf[name]))
		}
	}
	for _, name := range unionKeys(o.Queues, want.Queues) {
		if !slices.EqualFunc(o.Queues[name], want.Queues[name], bytes.Equal) {
			d = append(d, fmt.Sprintf("queue %s = %x, want %x", name, o.Queues[name], want.Queues[name]))
		}
	}
	return strings.Join(d, "\n")
}

func unionKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Expectations is the stored form of kernel results (testdata/elf/expected.json).
type Expectations struct {
	Comment string        `json:"comment"`
	Kernel  string        `json:"kernel"`
	Cases   []Expectation `json:"cases"`
}

// Expectation is one program run on one input, with its Outcome in hex.
type Expectation struct {
	// Name is "<object>:<program>:<input name>".
	Name    string `json:"name"`
	Object  string `json:"object"`  // file name in testdata/elf
	Program string `json:"program"` // function / program name
	// Source is "kernel" for results of the kernel, "go-reference" for
	// programs the kernel cannot run (computed by a Go implementation).
	Source  string `json:"source"`
	Input   string `json:"input"`
	R0      uint32 `json:"r0"`
	Context string `json:"context"`
	// Unchecked lists maps whose contents depend on the kernel's
	// implementation (e.g. LRU eviction order); they are absent from Maps.
	Unchecked []string                     `json:"unchecked_maps,omitempty"`
	Maps      map[string]map[string]string `json:"maps,omitempty"`
	Ringbuf   map[string][]string          `json:"ringbuf,omitempty"`
	Queues    map[string][]string          `json:"queues,omitempty"`
}

// NewExpectation records an outcome in stored form.
func NewExpectation(name, object, program, source string, input []byte, o *Outcome, unchecked []string) Expectation {
	e := Expectation{
		Name: name, Object: object, Program: program, Source: source,
		Input:     hex.EncodeToString(input),
		R0:        o.R0,
		Context:   hex.EncodeToString(o.Context),
		Unchecked: unchecked,
	}
	if len(o.Maps) > 0 {
		e.Maps = map[string]map[string]string{}
		for name, contents := range o.Maps {
			m := map[string]string{}
			for k, v := range contents {
				m[k] = hex.EncodeToString(v)
			}
			e.Maps[name] = m
		}
	}
	if len(o.Ringbuf) > 0 {
		e.Ringbuf = map[string][]string{}
		for name, recs := range o.Ringbuf {
			e.Ringbuf[name] = hexList(recs)
		}
	}
	if len(o.Queues) > 0 {
		e.Queues = map[string][]string{}
		for name, elems := range o.Queues {
			e.Queues[name] = hexList(elems)
		}
	}
	return e
}

func hexList(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

// InputBytes decodes the stored input.
func (e *Expectation) InputBytes() ([]byte, error) {
	return hex.DecodeString(e.Input)
}

// Outcome decodes the stored outcome.
func (e *Expectation) Outcome() (*Outcome, error) {
	o := &Outcome{
		R0:      e.R0,
		Maps:    map[string]map[string][]byte{},
		Ringbuf: map[string][][]byte{},
		Queues:  map[string][][]byte{},
	}
	var err error
	if o.Context, err = hex.DecodeString(e.Context); err != nil {
		return nil, fmt.Errorf("%s: context: %w", e.Name, err)
	}
	for name, contents := range e.Maps {
		m := map[string][]byte{}
		for k, v := range contents {
			if m[k], err = hex.DecodeString(v); err != nil {
				return nil, fmt.Errorf("%s: map %s: %w", e.Name, name, err)
			}
		}
		o.Maps[name] = m
	}
	for name, recs := range e.Ringbuf {
		for _, r := range recs {
			b, err := hex.DecodeString(r)
			if err != nil {
				return nil, fmt.Errorf("%s: ring buffer %s: %w", e.Name, name, err)
			}
			o.Ringbuf[name] = append(o.Ringbuf[name], b)
		}
	}
	for name, elems := range e.Queues {
		for _, r := range elems {
			b, err := hex.DecodeString(r)
			if err != nil {
				return nil, fmt.Errorf("%s: queue %s: %w", e.Name, name, err)
			}
			o.Queues[name] = append(o.Queues[name], b)
		}
	}
	return o, nil
}

// LoadExpectations reads an expectations file.
func LoadExpectations(path string) (*Expectations, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e Expectations
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &e, nil
}

// Save writes an expectations file (stable output: cases in order, map
// keys sorted by encoding/json).
func (e *Expectations) Save(path string) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// Find returns the expectation with the given name, or nil.
func (e *Expectations) Find(name string) *Expectation {
	for i := range e.Cases {
		if e.Cases[i].Name == name {
			return &e.Cases[i]
		}
	}
	return nil
}
