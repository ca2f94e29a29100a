package loader_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/loader"
)

func TestScratch(t *testing.T) {
	a, err := btf.LoadSpec("../testdata/core/core_target_a.o")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := btf.LoadSpec("../testdata/core/core_target_b.o")
	amb, _ := btf.LoadSpec("../testdata/core/core_target_ambig.o")
	files, _ := filepath.Glob("../testdata/core/*.o")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, tg := range []struct {
			n string
			s *btf.Spec
		}{{"A", a}, {"B", b}, {"amb", amb}, {"nil", nil}} {
			obj, err := loader.Parse(data, loader.ParseOptions{CORETarget: tg.s})
			if err != nil {
				t.Logf("%s/%s: parse: %v", filepath.Base(f), tg.n, err)
				continue
			}
			c, err := engine.LoadObject(obj, "interp", 0, loader.Options{})
			if err != nil {
				t.Logf("%s/%s: load: %v", filepath.Base(f), tg.n, err)
				continue
			}
			for _, p := range c.Programs() {
				r, err := c.Program(p).Run(make([]byte, 128))
				t.Logf("%s/%s: %s: %#x %v", filepath.Base(f), tg.n, p, r, err)
			}
		}
	}
}
