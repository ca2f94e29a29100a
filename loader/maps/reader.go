package maps

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by the reads of a closed Reader.
var ErrClosed = errors.New("maps: ring buffer reader closed")

// ErrNoRecord is returned by ReadNonBlocking when no committed record is
// waiting.
var ErrNoRecord = errors.New("maps: no ring buffer record available")

// Reader consumes the records of a ring buffer from Go, in the order they
// were reserved, skipping discarded ones. A ring buffer has one consumer
// position, so only one Reader may be open at a time; its methods are
// safe for concurrent use (each record goes to one caller).
//
// A blocked Read wakes up when a producer commits the record it waits for
// (or any record with RBForceWakeup). Producers that commit with
// RBNoWakeup do not wake it, as in the kernel: a consumer of such a ring
// polls with ReadNonBlocking or reads with a deadline (ReadContext).
type Reader struct {
	rb   *ringBuf
	done chan struct{}
	once sync.Once
}

// NewReader opens the ring buffer's Reader: EBUSY while another is open,
// EINVAL if m is not a ring buffer.
func (m *Map) NewReader() (*Reader, error) {
	if m.ring == nil {
		return nil, m.errorf(EINVAL, "NewReader on a %s", m.typ)
	}
	if !m.ring.reader.CompareAndSwap(false, true) {
		return nil, m.errorf(EBUSY, "NewReader: the ring buffer already has a reader")
	}
	return &Reader{rb: m.ring, done: make(chan struct{})}, nil
}

// Read returns the next record, blocking until one is committed or the
// Reader is closed (ErrClosed).
func (r *Reader) Read() ([]byte, error) {
	return r.ReadContext(context.Background())
}

// ReadContext is Read that also gives up, with ctx.Err(), when ctx is
// done.
func (r *Reader) ReadContext(ctx context.Context) ([]byte, error) {
	for {
		rec, err := r.ReadNonBlocking()
		if err != ErrNoRecord {
			return rec, err
		}
		select {
		case <-r.rb.notify:
		case <-r.done:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// ReadNonBlocking returns the next record, or ErrNoRecord when none is
// committed yet.
func (r *Reader) ReadNonBlocking() ([]byte, error) {
	select {
	case <-r.done:
		return nil, ErrClosed
	default:
	}
	rec, ok, err := r.rb.consume()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoRecord
	}
	// Producers only wake the consumer for the record it waits at, so
	// another goroutine blocked in Read would not hear about records
	// already behind this one: pass the token on while data remains.
	if r.rb.query(RBAvailData) > 0 {
		r.rb.wake()
	}
	return rec, nil
}

// Available is the number of bytes produced and not yet consumed (headers
// and discarded or uncommitted records included).
func (r *Reader) Available() int { return int(r.rb.query(RBAvailData)) }

// Close unblocks pending reads, which return ErrClosed, and lets a new
// Reader be opened. Records not read stay in the ring.
func (r *Reader) Close() error {
	r.once.Do(func() {
		close(r.done)
		r.rb.reader.Store(false)
	})
	return nil
}
