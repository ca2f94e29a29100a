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
// postorder (every block before its successors, loops aside).
func (f *Func) Reachable() []*Block {
	seen := make([]bool, f.NumBlocks())
	var post []*Block
	type frame struct {
		b *Block
		i int
	}
	stack := []frame{{f.Blocks[0], 0}}
	seen[f.Blocks[0].ID] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.i < len(top.b.Succs) {
			s := top.b.Succs[top.i].To
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
