package ebpfjit_test

import (
	"testing"

	"github.com/ebpfjit/ebpfjit"
)

// TestCacheKeysOnCORETarget: the code of an object with CO-RE relocations
// depends on the BTF it was relocated against, so a cached artifact for
// one target must never serve another.
func TestCacheKeysOnCORETarget(t *testing.T) {
	const object = "testdata/core/core_prog.o"
	ctx := make([]byte, 72)
	for i := range ctx {
		ctx[i] = byte(i)
	}
	run := func(btf string, cache bool, dir string) uint64 {
		t.Helper()
		c, err := ebpfjit.Load(object, &ebpfjit.Options{BTF: btf, Cache: cache, CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		p, err := c.Program("core_subprog")
		if err != nil {
			t.Fatal(err)
		}
		r0, err := p.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r0
	}
	a := run("testdata/core/core_target_a.o", false, "")
	b := run("testdata/core/core_target_b.o", false, "")
	if a == b {
		t.Fatalf("targets A and B give the same result %#x: the test cannot tell them apart", a)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		btf  string
		want uint64
	}{
		{"testdata/core/core_target_a.o", a},
		{"testdata/core/core_target_b.o", b},
		{"testdata/core/core_target_a.o", a},
	} {
		if got := run(tc.btf, true, dir); got != tc.want {
			t.Errorf("cached, against %s: %#x, want %#x", tc.btf, got, tc.want)
		}
	}
}
