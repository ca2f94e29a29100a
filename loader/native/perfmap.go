package native

import (
	"fmt"
	"os"
	"sort"
	"sync"
)

// Linux perf names code it has no symbols for from /tmp/perf-PID.map,
// one "START SIZE name" line (hexadecimal) per piece of code, appended as
// code appears. Writing it is opt-in: the file grows with every program
// loaded and is not removed when the process ends.

var perfMap struct {
	sync.Mutex
	f *os.File
}

// PerfMapPath is where AddToPerfMap writes: /tmp/perf-PID.map.
func PerfMapPath() string { return fmt.Sprintf("/tmp/perf-%d.map", os.Getpid()) }

// AddToPerfMap appends the program's functions to the perf map, named
// "ebpf:NAME:main" for the entry function, "ebpf:NAME:fSLOT" for the
// others (SLOT: where the function starts in the bytecode) and
// "ebpf:NAME:runtime" for the shared code (preambles, exits, checks).
func (p *Program) AddToPerfMap(name string) error {
	type piece struct {
		off  int
		name string
	}
	pieces := []piece{{0, "runtime"}}
	for _, f := range p.code.Functions {
		n := fmt.Sprintf("f%d", f.Slot)
		if f.Slot == 0 {
			n = "main"
		}
		pieces = append(pieces, piece{f.Offset, n})
	}
	sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].off < pieces[j].off })
	text := ""
	for i, pc := range pieces {
		end := len(p.code.Text)
		if i+1 < len(pieces) {
			end = pieces[i+1].off
		}
		if end > pc.off {
			text += fmt.Sprintf("%x %x ebpf:%s:%s\n", uint64(p.base)+uint64(pc.off), end-pc.off, name, pc.name)
		}
	}
	perfMap.Lock()
	defer perfMap.Unlock()
	if perfMap.f == nil {
		f, err := os.OpenFile(PerfMapPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		perfMap.f = f
	}
	_, err := perfMap.f.WriteString(text)
	return err
}
