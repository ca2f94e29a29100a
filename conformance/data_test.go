package conformance

import (
	"strings"
	"testing"

	"github.com/ebpfjit/ebpfjit/interp"
	"github.com/ebpfjit/ebpfjit/isa"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no sections", "mov %r0, 1\n", "text before the first section"},
		{"empty", "", "no sections"},
		{"no program", "-- result\n1\n", "no program"},
		{"no expectation", "-- asm\nexit\n", "no expectation"},
		{"odd hex", "-- asm\nexit\n-- mem\n0 1 2g\n-- result\n0\n", `bad memory byte "2g"`},
		{"long hex", "-- asm\nexit\n-- mem\n123\n-- result\n0\n", `bad memory byte "123"`},
		{"bad result", "-- asm\nexit\n-- result\nzz\n", `bad result "zz"`},
		{"two results", "-- asm\nexit\n-- result\n1\n2\n", "2 values"},
		{"bad raw", "-- raw\n0xq\n-- result\n0\n", "bad raw instruction word"},
		{"duplicate", "-- asm\nexit\n-- asm\nexit\n-- result\n0\n", "appears twice"},
		{"both", "-- asm\nexit\n-- result\n0\n-- error\nx\n", "both a result and an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.data", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
			if !strings.HasPrefix(err.Error(), "x.data:") {
				t.Errorf("error does not name the file: %q", err)
			}
		})
	}
}

func TestParseSections(t *testing.T) {
	c, err := Parse("x.data", []byte(`# a comment
-- asm
mov %r0, %r2 # length
exit
-- mem
01 02
0x03
-- c
int main() { return 3; }
-- no register offset
-- result
0x3
`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasAsm || c.HasRaw || !c.HasResult || c.Result != 3 || string(c.Mem) != "\x01\x02\x03" || c.Skip != "" {
		t.Fatalf("unexpected case %+v", c)
	}
	r := interpBuilder.Run(c)
	if r.Status != Pass {
		t.Fatalf("run: %+v", r)
	}
}

func TestUnknownSectionSkips(t *testing.T) {
	c, err := Parse("x.data", []byte("-- asm\nexit\n-- result\n0\n-- future\nstuff\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := interpBuilder.Run(c); r.Status != Skip || !strings.Contains(r.Detail, "future") {
		t.Fatalf("got %+v, want a skip naming the section", r)
	}
}

func TestRawWinsOverAsm(t *testing.T) {
	// The asm says 1, the raw words say 2: raw is the program.
	c, err := Parse("x.data", []byte("-- asm\nmov %r0, 1\nexit\n-- raw\n0x00000002000000b7\n0x0000000000000095\n-- result\n2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := interpBuilder.Run(c); r.Status != Pass {
		t.Fatalf("got %+v", r)
	}
}

func TestErrorExpectation(t *testing.T) {
	for _, tt := range []struct {
		text string
		want Status
	}{
		{"-- asm\nmov %r10, 1\nexit\n-- error\nr10 is read-only\n", Pass},
		{"-- asm\nmov %r10, 1\nexit\n-- error\n\n", Pass},
		{"-- asm\nmov %r10, 1\nexit\n-- error\nsomething else\n", Fail},
		{"-- asm\nmov %r0, 1\nexit\n-- error\n\n", Fail},
	} {
		c, err := Parse("x.data", []byte(tt.text))
		if err != nil {
			t.Fatal(err)
		}
		if r := interpBuilder.Run(c); r.Status != tt.want {
			t.Errorf("%q: got %+v, want status %v", tt.text, r, tt.want)
		}
	}
}

// interpBuilder runs cases on the reference interpreter.
var interpBuilder = Builder{Build: func(prog []isa.Instruction) (Program, error) {
	p, err := interp.New(prog, interp.Options{})
	if err != nil {
		return nil, err
	}
	return interpProgram{p}, nil
}}

type interpProgram struct{ *interp.Program }

func (interpProgram) Close() error { return nil }
