package main

import (
	"context"
	"flag"
	"time"

	"github.com/ebpfjit/ebpfjit/conformance"
	"github.com/ebpfjit/ebpfjit/engine"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/vm"
)

// runLimits are the --timeout and --budget flags: a run stops with an
// error (exit 1) naming the instruction when either is spent.
type runLimits struct {
	timeout time.Duration
	budget  uint64
}

func addLimitFlags(fs *flag.FlagSet) *runLimits {
	l := &runLimits{}
	fs.DurationVar(&l.timeout, "timeout", 0, "stop a run after this long (e.g. 2s; 0: no limit)")
	fs.Uint64Var(&l.budget, "budget", 0, "stop a run after this many loop iterations and function entries (0: no limit)")
	return l
}

// context returns the context runs get: done after --timeout.
func (l *runLimits) context() (context.Context, context.CancelFunc) {
	if l == nil || l.timeout <= 0 {
		return context.Background(), func() {}
	}
	return context.WithTimeout(context.Background(), l.timeout)
}

// options are the limits as loader run options, with ctx for the timeout.
func (l *runLimits) options(ctx context.Context) *loader.RunOptions {
	o := &loader.RunOptions{Ctx: ctx}
	if l != nil {
		o.Budget = l.budget
	}
	return o
}

// runRaw runs a program built by package engine within the limits, each
// run with its own timeout.
func (l *runLimits) runRaw(p engine.Program, mem []byte) (uint64, error) {
	ctx, cancel := l.context()
	defer cancel()
	lim := &vm.Limits{Ctx: ctx}
	if l != nil {
		lim.Budget = l.budget
	}
	return p.RunWith(mem, &vm.Binding{Limits: lim})
}

// limited is an engine.Program whose Run stays within the limits (for the
// conformance runner, which knows nothing of them).
type limited struct {
	engine.Program
	l *runLimits
}

func (p limited) Run(mem []byte) (uint64, error) { return p.l.runRaw(p.Program, mem) }

var _ conformance.Program = limited{}
