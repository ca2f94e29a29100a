package progen

import "math/rand/v2"

// Source supplies the generator's decisions. Every choice goes through
// Intn, so a source that returns 0 once its input is used up makes the
// generator take the first option everywhere, which is always the one that
// ends a construct: generation terminates with a small program.
type Source interface {
	// Intn returns a number in [0, n); n > 0.
	Intn(n int) int
	// Uint64 returns 64 bits, for constants and seeds.
	Uint64() uint64
}

// RandSource draws decisions from a pseudo-random generator.
type RandSource struct{ R *rand.Rand }

// NewRandSource returns a source seeded with seed, so that a failing
// seed reproduces the same program.
func NewRandSource(seed uint64) *RandSource {
	return &RandSource{rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

// Intn implements Source.
func (s *RandSource) Intn(n int) int { return s.R.IntN(n) }

// Uint64 implements Source.
func (s *RandSource) Uint64() uint64 { return s.R.Uint64() }

// ByteSource reads decisions from a byte string, such as a fuzzer's input:
// each decision takes as few bytes as its range needs, so that a mutation
// of one byte changes one decision and the fuzzer can steer the structure
// of the program. When the bytes run out every decision is 0.
type ByteSource struct {
	Data []byte
}

func (s *ByteSource) byte() uint64 {
	if len(s.Data) == 0 {
		return 0
	}
	b := s.Data[0]
	s.Data = s.Data[1:]
	return uint64(b)
}

// Intn implements Source.
func (s *ByteSource) Intn(n int) int {
	var v uint64
	for k := n - 1; k > 0; k >>= 8 {
		v = v<<8 | s.byte()
	}
	return int(v % uint64(n))
}

// Uint64 implements Source.
func (s *ByteSource) Uint64() uint64 {
	var v uint64
	for range 8 {
		v = v<<8 | s.byte()
	}
	return v
}
