package maps

import (
	"errors"
	"sync"
	"sync/atomic"
)

// ringBuf is the state of a BPF_MAP_TYPE_RINGBUF map. It follows the
// kernel's design (kernel/bpf/ringbuf.c): producer and consumer positions
// grow forever and are reduced modulo the size; a record is an 8-byte
// header (u32 length with a busy and a discard bit) followed by the data,
// padded to 8 bytes; producers reserve under a lock and commit without
// one, in any order; the consumer stops at the first record still busy.
//
// The kernel maps the data pages twice in a row so that a record wrapping
// past the end is contiguous in virtual memory. Go heap memory cannot be
// mapped twice, so the arena holds twice the ring size instead: a record
// starting at offset o of the ring occupies [o, o+len) of that area, which
// may extend past the ring's end, and producer and consumer use the same
// contiguous bytes. The positions, capacity and the values Query reports
// are exactly the kernel's.
//
// The area is one region for programs, but the headers' words are not
// kept there: the kernel's verifier bounds a program to its own record,
// we cannot, so the header of the record at ring offset o lives in
// hdrs[o/8], in Go memory no program can reach. The 8 bytes before each
// record in the area are left unused.
type ringBuf struct {
	size, mask uint64
	data       []byte // 2*size bytes of the arena
	base       uint64 // address of data[0]
	hdrs       []uint32

	resMu sync.Mutex    // serialises reservations
	prod  atomic.Uint64 // producer position: end of the last reservation
	_     [56]byte
	cons  atomic.Uint64 // consumer position: start of the next unread record
	_     [56]byte

	// busy has one bit per 8-byte unit of the ring, set from reserve to
	// commit at the unit of a record's header. Commit checks it, so a
	// helper passing an address that is not an outstanding reservation
	// (a forged pointer, a second submit) gets EINVAL instead of
	// corrupting the ring. The kernel's verifier rules these out; ours
	// does not track pointer types.
	busy []atomic.Uint64

	consMu sync.Mutex    // one consumer at a time
	notify chan struct{} // wake-up token for a blocked Reader (capacity 1)
	reader atomic.Bool   // a Reader is open
}

func newRingBuf(m *Map) *ringBuf {
	n := uint64(m.maxEntries)
	return &ringBuf{
		size:   n,
		mask:   n - 1,
		data:   m.mem,
		base:   m.base,
		hdrs:   make([]uint32, n/8),
		busy:   make([]atomic.Uint64, (n/8+63)/64),
		notify: make(chan struct{}, 1),
	}
}

// hdr points at the header word of the record at ring offset off.
func (r *ringBuf) hdr(off uint64) *uint32 {
	return &r.hdrs[off/8]
}

// Reserve reserves a record of size bytes in a ring buffer, as
// bpf_ringbuf_reserve, and returns the address of its data (8-byte
// aligned, inside the arena), or 0 when the ring has no room, the record
// could never fit, or m is not a ring buffer. The record must then be
// submitted or discarded.
func (m *Map) Reserve(size uint64) uint64 {
	if m.ring == nil {
		return 0
	}
	return m.ring.reserve(size)
}

func (r *ringBuf) reserve(size uint64) uint64 {
	if size > r.size-ringHdrSize {
		return 0
	}
	total := roundUp8(size + ringHdrSize)
	r.resMu.Lock()
	prod := r.prod.Load()
	// Like the kernel, never let the producer get a full ring ahead of
	// the consumer: at most size-1 bytes are outstanding.
	if prod+total-r.cons.Load() > r.mask {
		r.resMu.Unlock()
		return 0
	}
	off := prod & r.mask
	atomic.StoreUint32(r.hdr(off), uint32(size)|ringBusyBit)
	unit := off / 8
	r.busy[unit/64].Or(1 << (unit % 64))
	r.prod.Store(prod + total)
	r.resMu.Unlock()
	return r.base + off + ringHdrSize
}

// Submit commits a reserved record, as bpf_ringbuf_submit: the consumer
// will see it once every record before it is committed too. flags may
// hold RBNoWakeup or RBForceWakeup (without either, a blocked Reader is
// woken when it is waiting for exactly this record). EINVAL when addr is
// not an outstanding reservation of m.
func (m *Map) Submit(addr, flags uint64) error {
	if m.ring == nil {
		return EINVAL
	}
	return errOf(m.ring.commit(addr, flags, false))
}

// Discard drops a reserved record, as bpf_ringbuf_discard: the consumer
// skips it.
func (m *Map) Discard(addr, flags uint64) error {
	if m.ring == nil {
		return EINVAL
	}
	return errOf(m.ring.commit(addr, flags, true))
}

func (r *ringBuf) commit(addr, flags uint64, discard bool) Errno {
	rel := addr - r.base
	if rel < ringHdrSize || rel-ringHdrSize >= r.size || rel%8 != 0 {
		return EINVAL
	}
	off := rel - ringHdrSize
	unit := off / 8
	bit := uint64(1) << (unit % 64)
	if r.busy[unit/64].And(^bit)&bit == 0 {
		return EINVAL
	}
	// The busy bit made this caller the header's only writer.
	h := r.hdr(off)
	v := atomic.LoadUint32(h) &^ ringBusyBit
	if discard {
		v |= ringDiscardBit
	}
	atomic.StoreUint32(h, v)
	// The header store above and the consumer's store of its position
	// before it looks at a header are sequentially consistent, so either
	// the consumer sees this record committed or this load sees the
	// consumer waiting at it: no wake-up is lost.
	switch {
	case flags&RBForceWakeup != 0:
		r.wake()
	case flags&RBNoWakeup != 0:
	case r.cons.Load()&r.mask == off:
		r.wake()
	}
	return 0
}

func (r *ringBuf) wake() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Output copies data into a new record and submits it, as
// bpf_ringbuf_output: EAGAIN when there is no room, EINVAL for flags
// other than the wake-up ones, EOPNOTSUPP when m is not a ring buffer.
func (m *Map) Output(data []byte, flags uint64) error {
	if m.ring == nil {
		return EOPNOTSUPP
	}
	if flags&^(RBNoWakeup|RBForceWakeup) != 0 {
		return EINVAL
	}
	r := m.ring
	addr := r.reserve(uint64(len(data)))
	if addr == 0 {
		return EAGAIN
	}
	copy(r.data[addr-r.base:], data)
	return errOf(r.commit(addr, flags, false))
}

// Query answers bpf_ringbuf_query: RBAvailData (bytes produced and not
// consumed, headers and discarded records included), RBRingSize, RBConsPos
// or RBProdPos; 0 for other flags or map types.
func (m *Map) Query(flag uint64) uint64 {
	if m.ring == nil {
		return 0
	}
	return m.ring.query(flag)
}

func (r *ringBuf) query(flag uint64) uint64 {
	switch flag {
	case RBAvailData:
		cons := r.cons.Load()
		return r.prod.Load() - cons
	case RBRingSize:
		return r.size
	case RBConsPos:
		return r.cons.Load()
	case RBProdPos:
		return r.prod.Load()
	}
	return 0
}

// ErrCorrupt is returned by a Reader that finds a record header no
// producer wrote. Headers are out of programs' reach, so this means a bug
// in this package.
var ErrCorrupt = errors.New("maps: corrupt ring buffer record header")

// consume returns a copy of the next committed record, skipping discarded
// ones; ok is false when the next record is not committed yet or the ring
// is empty.
func (r *ringBuf) consume() (rec []byte, ok bool, err error) {
	r.consMu.Lock()
	defer r.consMu.Unlock()
	for {
		cons := r.cons.Load()
		prod := r.prod.Load()
		if cons == prod {
			return nil, false, nil
		}
		off := cons & r.mask
		h := atomic.LoadUint32(r.hdr(off))
		if h&ringBusyBit != 0 {
			return nil, false, nil
		}
		size := uint64(h &^ (ringBusyBit | ringDiscardBit))
		total := roundUp8(size + ringHdrSize)
		if total > prod-cons {
			return nil, false, ErrCorrupt
		}
		if h&ringDiscardBit == 0 {
			rec = make([]byte, size)
			copy(rec, r.data[off+ringHdrSize:])
		}
		r.cons.Store(cons + total)
		if h&ringDiscardBit == 0 {
			return rec, true, nil
		}
	}
}
