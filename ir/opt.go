package ir

// Level is an optimisation level.
type Level int

// Optimisation levels. O0 runs no pass (the code still goes through the
// same allocator and encoder); O2 runs them all.
const (
	O0 Level = 0
	O2 Level = 2
)

// Pass is one transformation; it reports whether it changed anything.
type Pass struct {
	Name string
	Run  func(*Func) bool
}

// Passes is the -O2 pipeline, in order. Each pass is small and can be
// tested alone; Optimize repeats the pipeline until nothing changes.
var Passes = []Pass{
	{"fold", Fold},
	{"zext", RemoveZExt},
	{"fuse", FuseBranches},
	{"cfg", SimplifyCFG},
	{"dce", DeadCode},
}

// maxRounds bounds how often the pipeline repeats: later rounds find
// little (measured on the synthetic programs of the compile benchmark)
// and cost as much as the first.
const maxRounds = 4

// Optimize runs the passes of the level on every function.
func Optimize(p *Program, level Level) {
	if level < O2 {
		return
	}
	for _, f := range p.Funcs {
		for round := 0; round < maxRounds; round++ {
			changed := false
			for _, pass := range Passes {
				if pass.Run(f) {
					changed = true
				}
			}
			if !changed {
				break
			}
		}
	}
}

// Reachable returns the blocks reachable from the entry, in reverse
// postorder (every block before its successors, loops aside). The order
// is also the code layout: of two successors, the one visited last comes
// right after its block. That is the fall-through of the bytecode, unless
// only the other leads straight out of the function (a return, or a jump
// to one): exits are rare, so the path that stays gets the fall-through
// and the exits go to the end.
func (f *Func) Reachable() []*Block {
	seen := make([]bool, f.NumBlocks())
	post := make([]*Block, 0, len(f.Blocks))
	type frame struct {
		b *Block
		i int
	}
	stack := make([]frame, 1, 64)
	stack[0] = frame{f.Blocks[0], 0}
	seen[f.Blocks[0].ID] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.i < len(top.b.Succs) {
			k := top.i
			if len(top.b.Succs) == 2 && leavesSoon(top.b.Succs[1].To) && !leavesSoon(top.b.Succs[0].To) {
				k = 1 - top.i // visit the exit first, so it is laid out last
			}
			s := top.b.Succs[k].To
			top.i++
			if !seen[s.ID] {
				seen[s.ID] = true
				stack = append(stack, frame{s, 0})
			}
			continue
		}
		post = append(post, top.b)
		stack = stack[:len(stack)-1]
	}
	for i, j := 0, len(post)-1; i < j; i, j = i+1, j-1 {
		post[i], post[j] = post[j], post[i]
	}
	return post
}

// leavesSoon reports whether b returns, or jumps straight to a block that
// does.
func leavesSoon(b *Block) bool {
	if b.Kind == BlockReturn {
		return true
	}
	return b.Kind == BlockJump && b.Succs[0].To.Kind == BlockReturn
}
