package vm

import "testing"

func TestHelpersDerive(t *testing.T) {
	fn := func(r0 uint64) HelperFunc {
		return func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return r0, nil }
	}
	base := &Helpers{}
	base.Register(1, "one", fn(1))
	base.Register(2, "two", fn(2))
	d := base.Derive()
	d.Register(2, "two_override", fn(22))
	d.Register(3, "three", fn(3))

	for _, tc := range []struct {
		set  *Helpers
		id   int32
		name string // "" when absent
	}{
		{base, 1, "one"}, {base, 2, "two"}, {base, 3, ""},
		{d, 1, "one"}, {d, 2, "two_override"}, {d, 3, "three"}, {d, 4, ""},
	} {
		h := tc.set.Lookup(tc.id)
		switch {
		case tc.name == "" && h != nil:
			t.Errorf("helper %d: found %q, want none", tc.id, h.Name)
		case tc.name != "" && (h == nil || h.Name != tc.name):
			t.Errorf("helper %d: %v, want %q", tc.id, h, tc.name)
		}
	}
	var names []string
	for _, h := range d.List() {
		names = append(names, h.Name)
	}
	if got, want := len(names), 3; got != want || names[0] != "one" || names[1] != "two_override" || names[2] != "three" {
		t.Errorf("List = %v, want [one two_override three]", names)
	}
	if h := d.ByName("two"); h != nil {
		t.Errorf("ByName(two) found the overridden base helper")
	}
	c := d.Clone()
	c.Register(1, "changed", fn(9))
	if d.Lookup(1).Name != "one" || base.Lookup(1).Name != "one" {
		t.Error("registering in a clone changed the original")
	}
	if r0, _ := c.Lookup(2).Fn(nil, 0, 0, 0, 0, 0); r0 != 22 {
		t.Errorf("clone's helper 2 returns %d, want 22", r0)
	}
}
