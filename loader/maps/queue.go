package maps

import "sync"

// queue is the state of a queue (FIFO) or stack (LIFO) map: a circular
// buffer of max_entries value slots in the arena. Programs never get
// pointers into it (peek and pop copy out), so one mutex guards both the
// indices and the copies.
type queue struct {
	mu    sync.Mutex
	head  uint32 // slot of the oldest element
	count uint32
	stack bool
}

// Push adds a value, as bpf_map_push_elem: E2BIG when full unless flags
// has UpdateExist, which then drops the oldest element to make room (for
// a stack too: the bottom goes, as in the kernel). Flags above
// UpdateExist are EINVAL, as is a value of the wrong size; other map types
// give EOPNOTSUPP.
func (m *Map) Push(value []byte, flags uint64) error {
	if m.queue == nil {
		return EOPNOTSUPP
	}
	if uint64(len(value)) != uint64(m.valueSize) {
		return EINVAL
	}
	return errOf(m.push(value, flags))
}

func (m *Map) push(value []byte, flags uint64) Errno {
	if flags > UpdateExist {
		return EINVAL
	}
	q := m.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count == m.maxEntries {
		if flags&UpdateExist == 0 {
			return E2BIG
		}
		q.head = q.next(q.head, m.maxEntries)
		q.count--
	}
	slot := (uint64(q.head) + uint64(q.count)) % uint64(m.maxEntries)
	storeWords(m.valueWords(slot, 0), value)
	q.count++
	return 0
}

func (q *queue) next(i, n uint32) uint32 {
	if i+1 == n {
		return 0
	}
	return i + 1
}

// Pop copies the next element (the oldest of a queue, the newest of a
// stack) into dst and removes it: ENOENT when empty, EINVAL when dst is
// not ValueSize bytes, EOPNOTSUPP when m is not a queue or stack.
func (m *Map) Pop(dst []byte) error {
	if m.queue == nil {
		return EOPNOTSUPP
	}
	if uint64(len(dst)) != uint64(m.valueSize) {
		return EINVAL
	}
	return errOf(m.peek(dst, true))
}

// Peek is Pop without the removal.
func (m *Map) Peek(dst []byte) error {
	if m.queue == nil {
		return EOPNOTSUPP
	}
	if uint64(len(dst)) != uint64(m.valueSize) {
		return EINVAL
	}
	return errOf(m.peek(dst, false))
}

func (m *Map) peek(dst []byte, remove bool) Errno {
	q := m.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count == 0 {
		return ENOENT
	}
	slot := uint64(q.head)
	if q.stack {
		slot = (uint64(q.head) + uint64(q.count) - 1) % uint64(m.maxEntries)
	}
	loadWords(dst, m.valueWords(slot, 0))
	if remove {
		if !q.stack {
			q.head = q.next(q.head, m.maxEntries)
		}
		q.count--
	}
	return 0
}
