package arm64

import "testing"

func TestRegs(t *testing.T) {
	for n := 0; n <= 30; n++ {
		r := XReg(n)
		if !r.IsGP() || int(r.Num()) != n {
			t.Errorf("XReg(%d) = %v, Num %d", n, r, r.Num())
		}
	}
	for _, c := range []struct {
		r      Reg
		num    uint8
		x, w   string
		isGP   bool
		fromXn bool
	}{
		{X0, 0, "x0", "w0", true, true},
		{X30, 30, "x30", "w30", true, true},
		{SP, 31, "sp", "wsp", false, false},
		{XZR, 31, "xzr", "wzr", false, false},
		{NoReg, 0xff, "noreg", "noreg", false, false},
		{Reg(77), 0xff, "reg77", "reg77", false, false},
	} {
		if c.r.Num() != c.num || c.r.String() != c.x || c.r.Name(8) != c.x || c.r.Name(4) != c.w || c.r.IsGP() != c.isGP {
			t.Errorf("%d: Num %d String %q Name(4) %q IsGP %v", uint8(c.r), c.r.Num(), c.r.String(), c.r.Name(4), c.r.IsGP())
		}
	}
	if XReg(-1) != NoReg || XReg(31) != NoReg {
		t.Errorf("XReg out of range")
	}
	if FP != X29 || LR != X30 || IP0 != X16 || IP1 != X17 {
		t.Errorf("register roles")
	}
	var zero Inst
	if zero.Rd != NoReg || zero.Mem.Base != NoReg {
		t.Errorf("the zero Inst has registers")
	}
}
