package kernel

// Go reference implementations of the test programs: what each program
// must produce for a given input, written from the C sources' comments.

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"sort"
)

const (
	eNOENT = 2
	e2BIG  = 7
	eEXIST = 17
	eINVAL = 22
	eRANGE = 34
)

// ---------------------------------------------------------------- maps.c

func refArrayOps(in arrayCtx) (arrayCtx, map[string][]byte) {
	var arr [8]counter
	out := in
	missing := uint32(0)
	for i := 0; i < 4; i++ {
		k := in.Idx[i]
		if k >= 8 {
			out.SumAfter[i] = math.MaxUint64
			missing++
			continue
		}
		arr[k].Sum += in.Add[i]
		arr[k].Hits++
		arr[k].Last = uint32(i)
		out.SumAfter[i] = arr[k].Sum
	}
	out.RetOOB, out.RetNoexist, out.RetDelete, out.RetExist = -e2BIG, -eEXIST, -eINVAL, 0
	arr[7] = counter{Sum: 1000, Hits: 1, Last: 77}
	total := uint32(0)
	m := map[string][]byte{}
	for k, c := range arr {
		total += c.Hits
		if c != (counter{}) {
			m[key32(uint32(k))] = enc(c)
		}
	}
	out.TotalHits, out.Missing = total, missing
	return out, m
}

// hashSim models a BPF hash map with max entries.
type hashSim struct {
	max int
	m   map[uint32][]byte
}

const (
	bpfAny     = 0
	bpfNoexist = 1
	bpfExist   = 2
)

func (h *hashSim) update(k uint32, v []byte, flags int) int64 {
	_, ok := h.m[k]
	switch {
	case flags == bpfNoexist && ok:
		return -eEXIST
	case flags == bpfExist && !ok:
		return -eNOENT
	case !ok && len(h.m) >= h.max:
		return -e2BIG
	}
	h.m[k] = v
	return 0
}

func (h *hashSim) delete(k uint32) int64 {
	if _, ok := h.m[k]; !ok {
		return -eNOENT
	}
	delete(h.m, k)
	return 0
}

func (h *hashSim) contents() map[string][]byte {
	out := map[string][]byte{}
	for k, v := range h.m {
		out[key32(k)] = v
	}
	return out
}

func refHashOps(in hashCtx) (hashCtx, map[string][]byte) {
	h := &hashSim{max: 4, m: map[uint32][]byte{}}
	out := in
	for i := 0; i < 4; i++ {
		out.RetInsert[i] = h.update(in.Keys[i], enc(in.Vals[i]), bpfNoexist)
	}
	out.RetDup = h.update(in.Keys[0], enc(uint64(1)), bpfNoexist)
	out.RetExistAbsent = h.update(0xFFFFFFFF, enc(uint64(1)), bpfExist)
	out.RetOverflow = h.update(0xFFFFFFFE, enc(uint64(1)), bpfAny)
	out.RetReplace = h.update(in.Keys[2], enc(in.Vals[2]*2), bpfExist)
	out.RetDelete = h.delete(in.Keys[1])
	out.RetDeleteAgain = h.delete(in.Keys[1])
	for i := 0; i < 4; i++ {
		if v, ok := h.m[in.Keys[i]]; ok {
			out.Lookup[i] = binary.LittleEndian.Uint64(v)
		} else {
			out.Lookup[i] = math.MaxUint64
		}
	}
	return out, h.contents()
}

func refPercpuArrayOps(in pcpuArrayCtx) (pcpuArrayCtx, map[string][]byte) {
	var arr [4]uint64
	out := in
	for i := 0; i < 2; i++ {
		k := in.Idx[i]
		if k >= 4 {
			out.After[i] = math.MaxUint64
			continue
		}
		arr[k] += in.Add[i]
		out.After[i] = arr[k]
	}
	arr[3] = 0x3333
	out.RetUpdate, out.RetOOB, out.BadCPUNull = 0, -e2BIG, 1
	m := map[string][]byte{}
	for k, v := range arr {
		if v != 0 {
			m[key32(uint32(k))] = enc(v)
		}
	}
	return out, m
}

func refPercpuHashOps(in pcpuHashCtx) (pcpuHashCtx, map[string][]byte, map[string][]byte) {
	ph := map[uint32]counter{}
	lru := map[uint32]uint64{}
	out := in
	for i := 0; i < 4; i++ {
		k := in.Keys[i]
		c, ok := ph[k]
		if ok {
			c.Sum += in.Add[i]
			c.Hits++
			c.Last = uint32(i)
		} else {
			c = counter{Sum: in.Add[i], Hits: 1, Last: uint32(i)}
		}
		ph[k] = c
		out.Sum[i], out.Hits[i] = c.Sum, c.Hits
		lru[k] = lru[k]*3 + in.Add[i]
		out.LruVal[i] = lru[k]
	}
	delete(ph, in.Keys[3])
	out.RetDelete = 0
	phm, lm := map[string][]byte{}, map[string][]byte{}
	for k, v := range ph {
		phm[key32(k)] = enc(v)
	}
	for k, v := range lru {
		lm[key32(k)] = enc(v)
	}
	return out, phm, lm
}

func refLruHashOps(in lruCtx) (lruCtx, map[string][]byte) {
	m := map[uint32]uint64{}
	out := in
	for i := 0; i < 4; i++ {
		m[in.Keys[i]] = in.Vals[i]
	}
	for i := 0; i < 4; i++ {
		out.Found[i] = m[in.Keys[i]]
	}
	delete(m, in.Keys[0])
	out.RetDelete, out.OverflowOK, out.LastFound = 0, 32, 1
	cm := map[string][]byte{}
	for k, v := range m {
		cm[key32(k)] = enc(v)
	}
	return out, cm
}

// refQueueStack models BPF queue (fifo) and stack (lifo) maps of capacity 4.
func refQueueStack(in qsCtx, lifo bool) (qsCtx, [][]byte) {
	var elems []uint32 // oldest first
	out := in
	push := func(v uint32, replace bool) int32 {
		if len(elems) == 4 {
			if !replace {
				return -e2BIG
			}
			elems = elems[1:] // both kinds overwrite the oldest element
		}
		elems = append(elems, v)
		return 0
	}
	next := func() int { // index of the element pop returns
		if lifo {
			return len(elems) - 1
		}
		return 0
	}
	for i := 0; i < 6; i++ {
		out.RetPush[i] = push(in.Push[i], false)
	}
	out.RetOverwrite = push(in.Overwrite, true)
	out.RetPeek, out.Peek = 0, elems[next()]
	for i := 0; i < 2; i++ {
		j := next()
		out.RetPop[i], out.Pop[i] = 0, elems[j]
		elems = append(elems[:j:j], elems[j+1:]...)
	}
	out.RetEmptyPop, out.RetEmptyPeek = -eNOENT, -eNOENT
	var left [][]byte
	for len(elems) > 0 {
		j := next()
		left = append(left, enc(elems[j]))
		elems = append(elems[:j:j], elems[j+1:]...)
	}
	return out, left
}

// ------------------------------------------------------------- ringbuf.c

func ringbufSpace(n int) uint64 { return uint64((n + 8 + 7) &^ 7) }

func refRingbufOutput(in rbOutputCtx) (rbOutputCtx, [][]byte) {
	out := in
	buf := enc(in.Vals)
	var recs [][]byte
	avail := uint64(0)
	for i, l := range []int{8, 13, 32, 5} {
		out.Ret[i] = 0
		if uint32(i) < in.N {
			recs = append(recs, buf[:l])
			avail += ringbufSpace(l)
		}
	}
	out.RetBadFlags = -eINVAL
	out.Avail, out.RingSize, out.ConsPos, out.ProdPos = avail, 4096, 0, avail
	return out, recs
}

func refRingbufReserve(in rbReserveCtx) (rbReserveCtx, [][]byte) {
	out := in
	var recs [][]byte
	var sub, disc uint32
	for i := uint32(0); i < 4 && i < in.N; i++ {
		e := event{Kind: 0xE0 + i, Seq: i, Payload: in.Payload + uint64(i)}
		copy(e.Tag[:], "record\x00")
		e.Tag[7] = '0' + byte(i)
		if in.DiscardMask&(1<<i) != 0 {
			disc++
		} else {
			sub++
			recs = append(recs, enc(e))
		}
	}
	space := uint64(sub+disc) * ringbufSpace(24)
	out.AvailBefore, out.AvailAfter, out.ProdPos = 0, space, space
	out.Submitted, out.Discarded, out.TooBigNull = sub, disc, 1
	return out, recs
}

// ------------------------------------------------------------- globals.c

var fibTable = [8]uint64{1, 1, 2, 3, 5, 8, 13, 21}

func refGlobalsRW(in globalsCtx) globalsCtx {
	out := in
	i, v := in.Idx&7, in.Value
	out.Counter = 100 + uint64(v)
	out.TableVal = fibTable[i]
	out.Total = fibTable[i] * 3
	out.TotalBefore = 0
	out.SlotVal = v
	out.Hist0 = 22
	out.Extra = 0x1234 ^ v
	out.Scale = 3
	out.Small = int64(int16(-5 - int16(v)))
	copy(out.Greeting[:], "ebpfjit\x00")
	out.Flags = uint32(uint8(1) << (v & 7))
	return out
}

func refGlobalsPtr(in globalsPtrCtx) globalsPtrCtx {
	out := in
	h := uint64(0)
	for j := uint32(0); j < 8 && j < in.N; j++ {
		h = h*31 + fibTable[j]
		out.Slots[j] = uint32(h)
	}
	out.Hash = h
	return out
}

// ------------------------------------------------------------- atomics.c

func refAtomics(in atomicsCtx) atomicsCtx {
	out := in
	var a atom
	out.FetchAdd64 = a.A64
	a.A64 += in.Add + 1

	a.X64 = in.Init
	out.FetchOr64 = a.X64
	a.X64 |= in.Mask
	out.FetchAnd64 = a.X64
	a.X64 &= ^(in.Mask >> 1)
	out.FetchXor64 = a.X64
	a.X64 ^= 0x5555555555555555
	a.X64 |= 1 << 63
	out.Xchg64 = a.X64
	a.X64 = in.Newv
	a.X64 ^= 0xF0
	a.X64 &= ^uint64(0xF)

	a.Cas64 = in.Init
	out.Cas64Hit = a.Cas64
	a.Cas64 = in.Newv
	out.Cas64Miss = a.Cas64
	if a.Cas64 == in.Init {
		a.Cas64 = 0
	}

	a.A32 += uint32(in.Add)
	out.FetchAdd32 = a.A32
	a.A32 += 7
	a.X32 = uint32(in.Init)
	out.FetchOr32 = a.X32
	a.X32 |= uint32(in.Mask)
	out.FetchAnd32 = a.X32
	a.X32 &= ^uint32(in.Mask) | 1
	out.FetchXor32 = a.X32
	a.X32 ^= 0xA5A5A5A5
	out.Xchg32 = a.B32
	a.B32 = uint32(in.Newv)
	a.Cas32 = uint32(in.Init)
	out.Cas32Hit = a.Cas32
	a.Cas32 = uint32(in.Newv)
	out.Cas32Miss = a.Cas32
	if a.Cas32 == uint32(in.Init) {
		a.Cas32 = 0
	}

	out.G64Old = 1000
	out.G64SubOld = 1000 + in.Add
	out.G32Old = 0
	out.G32Final = 0xC0FFEF
	out.Final = a
	return out
}

// --------------------------------------------------------------- loops.c

func refBounded(in boundedCtx) (boundedCtx, uint32) {
	out := in
	n := in.Len
	if n > 64 {
		n = 64
	}
	sum, x, fnv, count, ups, last := uint32(0), uint32(0), uint32(2166136261), uint32(0), uint32(0), uint32(0xFFFFFFFF)
	prev := byte(0)
	for i := uint32(0); i < n; i++ {
		b := in.Data[i]
		sum += uint32(b)
		x ^= uint32(b)
		fnv = (fnv ^ uint32(b)) * 16777619
		if b == in.Needle {
			count++
			last = i
		}
		if b > prev {
			ups++
		}
		prev = b
	}
	out.Sum, out.Xor, out.Fnv, out.Count, out.Ups, out.Last = sum, x, fnv, count, ups, last
	return out, n
}

func refSort(in sortCtx) sortCtx {
	out := in
	swaps := uint32(0)
	for i := 0; i < 16; i++ {
		for j := i + 1; j < 16; j++ {
			if in.Vals[i] > in.Vals[j] {
				swaps++ // bubble sort swaps once per inversion
			}
		}
	}
	s := out.Vals[:]
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out.Swaps = swaps
	return out
}

func refBpfLoop(in bpfLoopCtx) bpfLoopCtx {
	out := in
	a, b, acc, last := uint64(0), uint64(1), uint64(0), uint32(0xFFFFFFFF)
	if in.N > 1<<23 {
		out.Ret = -e2BIG
	} else {
		n := uint32(0)
		for idx := uint32(0); idx < in.N; idx++ {
			t := a + b
			a, b = b, t
			acc ^= t << (idx & 7)
			last = idx
			n++
			if idx+1 >= in.StopAt {
				break
			}
		}
		out.Ret = int32(n)
	}
	out.Fib, out.Acc, out.Last = b, acc, last
	out.RetFlags, out.RetZero = -eINVAL, 0
	return out
}

func refForEach(in feCtx) (feCtx, map[string][]byte, map[string][]byte) {
	out := in
	arr := in.Vals
	stop := in.StopAfter
	if stop == 0 {
		stop = 0xFFFFFFFF
	}
	var sum, keySum uint64
	visited := uint32(0)
	for k := uint32(0); k < 8; k++ {
		sum += arr[k]
		keySum += uint64(k)
		visited++
		arr[k]++
		if visited >= stop {
			break
		}
	}
	out.ArrSum, out.ArrKeySum, out.ArrVisited, out.ArrRet = sum, keySum, visited, int32(visited)
	hm := map[string][]byte{}
	sum, keySum, visited = 0, 0, 0
	for i, v := range in.Vals {
		if v != 0 {
			sum += v
			keySum += uint64(10 * i)
			visited++
			hm[key32(uint32(10*i))] = enc(v + 1)
		}
	}
	out.HashSum, out.HashKeySum, out.HashVisited, out.HashRet = sum, keySum, visited, int32(visited)
	am := map[string][]byte{}
	for k, v := range arr {
		if v != 0 {
			am[key32(uint32(k))] = enc(v)
		}
	}
	return out, am, hm
}

// --------------------------------------------------------------- calls.c

func refCalls(in callsCtx) callsCtx {
	out := in
	level3 := func(x int64, acc *int64) int64 {
		*acc += x
		return x*3 - 1
	}
	level2 := func(x int64, acc *int64) int64 {
		var local int64
		r := level3(x+1, &local)
		*acc += local
		return r + level3(r, acc)
	}
	var acc int64
	for i := 0; i < 4; i++ {
		out.Buf[i] = in.Seed*uint32(i+3) ^ (in.Seed >> i)
	}
	out.Diff = level2(int64(in.A), &acc) - level2(int64(in.B), &acc)
	out.Acc = acc
	out.Min, out.Max = min(in.A, in.B), max(in.A, in.B)
	if in.Depth > 0 {
		x, d := uint64(in.Seed), in.Depth
		if d > 1 {
			x <<= 4
			if d > 2 {
				x += 0x200
				if d > 3 {
					x ^= 0x33
					if d > 4 {
						x *= 3
						if d > 5 {
							x = (x+5)*2 + 6
						}
					}
				}
			}
		}
		out.Chain = x
	} else {
		out.Chain = 0
	}
	out.Global = (in.A * 7) ^ (in.B + 3)
	s := uint32(0)
	for i := uint32(0); i < 64; i++ {
		s = s*33 + uint32(uint8(in.Seed+i*7))
	}
	out.Checksum = s
	return out
}

// ------------------------------------------------------------- helpers.c

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// kstrncmp is the kernel's strncmp: -1, 0 or 1.
func kstrncmp(s1 []byte, s2 string, n int) int32 {
	for i := 0; i < n; i++ {
		c1 := byte(0)
		if i < len(s1) {
			c1 = s1[i]
		}
		c2 := byte(0)
		if i < len(s2) {
			c2 = s2[i]
		}
		if c1 != c2 {
			if c1 < c2 {
				return -1
			}
			return 1
		}
		if c1 == 0 {
			return 0
		}
	}
	return 0
}

func refStrings(in stringsCtx) stringsCtx {
	out := in
	name := in.Name
	name[15] = 0
	num := in.Num
	out.CmpEbpf = kstrncmp(name[:], "ebpf", 16)
	out.CmpJit = kstrncmp(name[:], "ebpfjit", 16)
	out.CmpPrefix = kstrncmp(name[:], "ebpfjit", 4)
	text := fmt.Sprintf("%s|%d|%d|%x|%d|%x|%c|%%|%5d|%-4d|",
		cstr(name[:]), int32(num), uint32(num), uint32(num), num, uint64(num),
		rune('A'+(uint64(num)&15)), int32(uint32(num)%1000)-500, uint32(num&0xFF))
	out.Len = int32(len(text) + 1)
	out.LenShort = out.Len
	out.Out = [80]byte{}
	copy(out.Out[:79], text)
	out.OutShort = [8]byte{}
	copy(out.OutShort[:7], text)
	return out
}

func refEndian(in endianCtx) endianCtx {
	out := in
	a, b, q := in.In16, in.In32, in.In64
	out.Htons16 = bits.ReverseBytes16(a)
	out.Bswap16 = out.Htons16
	out.Htonl32 = bits.ReverseBytes32(b)
	out.Ntohl32 = out.Htonl32
	out.Bswap32 = out.Htonl32
	out.Be64 = bits.ReverseBytes64(q)
	out.Bswap64 = out.Be64
	out.Le64, out.Le32, out.Le16 = q, uint64(uint32(q)), uint64(uint16(q))
	out.Sw16In32 = uint32(bits.ReverseBytes16(uint16(b)))
	out.RawBe32 = binary.BigEndian.Uint32(in.Raw[:4])
	out.RawBe64 = binary.BigEndian.Uint64(in.Raw[:])
	out.RawBe16 = binary.BigEndian.Uint16(in.Raw[6:])
	out.Mix = uint32(out.Be64>>7) ^ out.Htonl32 ^ uint32(out.Htons16)<<9 ^ uint32(q)
	return out
}

// -------------------------------------------------------------- switch.c

const (
	vmOK, vmSteps, vmBadOp, vmUnderflow, vmOverflow = 0, 1, 2, 3, 4
)

// refVM mirrors switch_vm, including its error behaviour: a failing
// instruction leaves pc and sp as they were (stack slots it already wrote
// stay written).
func refVM(in vmCtx) (vmCtx, uint32) {
	out := in
	st := in.Stack
	maxSteps := min(in.MaxSteps, 200)
	pc, sp := uint32(0), in.Sp
	steps, status := uint32(0), uint32(vmSteps)
	errUnder, errOver := fmt.Errorf("u"), fmt.Errorf("o")
	for i := uint32(0); i < maxSteps; i++ {
		if sp > 8 {
			status = vmOverflow
			break
		}
		s := sp
		pop := func() uint64 {
			if s == 0 {
				panic(errUnder)
			}
			s--
			return st[s&7]
		}
		push := func(v uint64) {
			if s >= 8 {
				panic(errOver)
			}
			st[s&7] = v
			s++
		}
		op, arg := in.Code[pc&31], in.Code[(pc+1)&31]
		steps++
		npc := (pc + 1) & 31
		done := false
		func() {
			defer func() {
				switch recover() {
				case nil:
				case errUnder:
					status, done = vmUnderflow, true
				case errOver:
					status, done = vmOverflow, true
				}
			}()
			switch op {
			case 0:
				status, done = vmOK, true
			case 1:
				push(uint64(int64(int8(arg))))
				npc = (npc + 1) & 31
			case 2:
				y, x := pop(), pop()
				push(x + y)
			case 3:
				y, x := pop(), pop()
				push(x - y)
			case 4:
				y, x := pop(), pop()
				push(x * y)
			case 5:
				x := pop()
				push(x)
				push(x)
			case 6:
				y, x := pop(), pop()
				push(y)
				push(x)
			case 7:
				pop()
			case 8:
				if pop() != 0 {
					npc = uint32(arg) & 31
				} else {
					npc = (npc + 1) & 31
				}
			case 9:
				npc = uint32(arg) & 31
			case 10:
				push(pop() - 1)
			case 11:
				y, x := pop(), pop()
				push(x << (y & 63))
			case 12:
				y, x := pop(), pop()
				push(x ^ y)
			case 13:
				push(-pop())
			case 14:
				y, x := pop(), pop()
				push(x)
				push(y)
				push(x)
			case 15:
				y, x := pop(), pop()
				if y == 0 {
					push(0)
				} else {
					push(x % y)
				}
			default:
				status, done = vmBadOp, true
			}
		}()
		if done {
			break
		}
		pc, sp = npc, s
	}
	out.Status, out.Steps, out.Sp, out.Stack = status, steps, sp, st
	if sp-1 < 8 {
		out.Top = st[(sp-1)&7]
	} else {
		out.Top = 0
	}
	return out, status
}

func classify(port uint32) uint32 {
	switch port {
	case 22:
		return 1
	case 53:
		return 2
	case 80, 8080:
		return 3
	case 443:
		return 4
	case 123:
		return 5
	case 3306:
		return 6
	case 5432:
		return 7
	case 6379:
		return 8
	case 11211:
		return 9
	case 65535:
		return 11
	}
	if port < 1024 {
		return 10
	}
	return 0
}

func refClassify(in classifyCtx) (classifyCtx, uint32) {
	out := in
	hist, known := uint32(0), uint32(0)
	for i, p := range in.Ports {
		k := classify(p)
		out.Classes[i] = k
		hist |= 1 << k
		if k != 0 && k != 10 {
			known++
		}
	}
	out.Histogram, out.Known = hist, known
	return out, known
}

// -------------------------------------------------------------- parser.c

const (
	vPass, vDrop, vShort, vNotIP, vBadHdr, vBadCsum = 0, 1, 2, 3, 4, 5
)

// refParse mirrors packet_parser; the flow key is nil when the program
// stops before counting the flow.
func refParse(in parseCtx) (parseCtx, *flowKey) {
	out := in
	buf := in.Pkt[:]
	n := min(in.PktLen, 128)
	at := func(off uint32) uint32 { return uint32(buf[off&127]) }
	be16 := func(off uint32) uint32 { return at(off)<<8 | at(off+1) }
	be32 := func(off uint32) uint32 { return be16(off)<<16 | be16(off+2) }
	fold6 := func(off uint32) uint32 { return be32(off) ^ be32(off+4) ^ be32(off+8) ^ be32(off+12) }

	var verdict, proto, vlan, ver, ipproto, ttl, ihl, saddr, daddr, sport, dport, csum, flags, l4, payload, frag, l3len uint32
	var key *flowKey
	func() {
		if n < 14 {
			verdict = vShort
			return
		}
		off := uint32(14)
		proto = be16(12)
		if proto == 0x8100 {
			if n < 18 {
				verdict = vShort
				return
			}
			vlan = be16(14) & 0xFFF
			proto = be16(16)
			off = 18
		}
		switch proto {
		case 0x0800:
			if n < off+20 {
				verdict = vShort
				return
			}
			b0 := at(off)
			ver, ihl = b0>>4, b0&0xF
			if ver != 4 || ihl < 5 {
				verdict = vBadHdr
				return
			}
			if n < off+ihl*4 {
				verdict = vShort
				return
			}
			l3len = be16(off + 2)
			frag = be16(off+6) & 0x1FFF
			ttl = at(off + 8)
			ipproto = at(off + 9)
			saddr, daddr = be32(off+12), be32(off+16)
			sum := uint32(0)
			for i := uint32(0); i < ihl*2; i++ {
				sum += be16(off + 2*i)
			}
			sum = sum&0xFFFF + sum>>16
			sum = sum&0xFFFF + sum>>16
			csum = sum
			if csum != 0xFFFF {
				verdict = vBadCsum
				return
			}
			if l3len < ihl*4 {
				verdict = vBadHdr
				return
			}
			l4 = off + ihl*4
			l3len -= ihl * 4
		case 0x86DD:
			if n < off+40 {
				verdict = vShort
				return
			}
			ver = at(off) >> 4
			if ver != 6 {
				verdict = vBadHdr
				return
			}
			l3len = be16(off + 4)
			ipproto = at(off + 6)
			ttl = at(off + 7)
			saddr, daddr = fold6(off+8), fold6(off+24)
			l4 = off + 40
		default:
			verdict = vNotIP
			return
		}
		if frag == 0 {
			switch ipproto {
			case 6:
				if n < l4+20 {
					verdict = vShort
					return
				}
				sport, dport = be16(l4), be16(l4+2)
				doff := at(l4+12) >> 4
				flags = be16(l4+12) & 0x1FF
				if l3len > doff*4 {
					payload = l3len - doff*4
				}
			case 17:
				if n < l4+8 {
					verdict = vShort
					return
				}
				sport, dport = be16(l4), be16(l4+2)
				if ulen := be16(l4 + 4); ulen > 8 {
					payload = ulen - 8
				}
			case 1, 58:
				if n < l4+4 {
					verdict = vShort
					return
				}
				sport, dport = at(l4), at(l4+1)
				if l3len > 4 {
					payload = l3len - 4
				}
			}
		}
		if ttl <= 1 || dport == 23 || (ipproto == 6 && flags&3 == 3) {
			verdict = vDrop
		}
		key = &flowKey{Saddr: saddr, Daddr: daddr, Sport: uint16(sport), Dport: uint16(dport), Proto: uint8(ipproto), IPVer: uint8(ver)}
	}()
	out.Verdict = verdict
	out.EthProto, out.VlanID = uint16(proto), uint16(vlan)
	out.IPVer, out.IPProto, out.TTL, out.IHL = uint8(ver), uint8(ipproto), uint8(ttl), uint8(ihl)
	out.Saddr, out.Daddr = saddr, daddr
	out.Sport, out.Dport, out.Csum, out.TCPFlags = uint16(sport), uint16(dport), uint16(csum), uint16(flags)
	out.L4Off, out.PayloadLen, out.Frag = uint16(l4), uint16(payload), uint16(frag)
	out.FlowPackets = 0
	if key != nil {
		out.FlowPackets = 1
	}
	return out, key
}

// ------------------------------------------------------------------ v4.c

func sdiv64(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return a / b // Go: MinInt64 / -1 == MinInt64, as in BPF
}

func smod64(a, b int64) int64 {
	if b == 0 {
		return a
	}
	return a % b // Go: MinInt64 % -1 == 0, as in BPF
}

func refSdiv(in sdivCtx) sdivCtx {
	out := in
	out.Q64, out.R64 = sdiv64(in.A, in.B), smod64(in.A, in.B)
	out.Q32, out.R32 = int32(sdiv64(int64(in.C), int64(in.D))), int32(smod64(int64(in.C), int64(in.D)))
	if in.C == math.MinInt32 && in.D == -1 {
		out.Q32, out.R32 = math.MinInt32, 0
	}
	out.QImm, out.RImm = in.A/-7, in.A%-7
	out.Q32Imm, out.R32Imm = in.C/3, in.C%3
	if in.B == 0 {
		out.UQ64 = 0
	} else {
		out.UQ64 = uint64(in.A) / uint64(in.B)
	}
	out.Mixed = sdiv64(in.A, int64(in.C))
	return out
}

func refSx(in sxCtx) sxCtx {
	out := in
	sum := int64(0)
	for i := 0; i < 4; i++ {
		out.LdB[i] = int64(in.B[i])
		sum += out.LdB[i]
	}
	for i := 0; i < 2; i++ {
		out.LdH[i], out.LdW[i] = int64(in.H[i]), int64(in.W[i])
		sum += out.LdH[i] + out.LdW[i]
	}
	r := in.Raw
	out.Mov8, out.Mov16, out.Mov32 = int64(int8(r)), int64(int16(r)), int64(int32(r))
	out.Mov8_32, out.Mov16_32 = uint32(int32(int8(r))), uint32(int32(int16(r)))
	out.StackLd = int64(int8(r))
	out.MapLd = int64(int16(r))
	out.Sum = sum + out.Mov8 + out.Mov16 + out.Mov32 + int64(out.Mov8_32) + int64(out.Mov16_32) + out.StackLd + out.MapLd
	return out
}

func refBswap(in bswapCtx) bswapCtx {
	out := in
	out.S16 = uint64(bits.ReverseBytes16(uint16(in.In)))
	out.S32 = uint64(bits.ReverseBytes32(uint32(in.In)))
	out.S64 = bits.ReverseBytes64(in.In)
	out.Roundtrip = bits.ReverseBytes64(bits.ReverseBytes64(in.In) ^ 0xFF)
	return out
}

func refGotol(in gotolCtx) gotolCtx {
	out := in
	x := in.Seed
	if in.Skip == 0 {
		for k := uint64(1000); k < 8000; k++ {
			x = (x^(x>>29))*0x9E3779B97F4A7C15 + k
		}
	}
	out.Out = x
	return out
}

// --------------------------------------------------------- bench_main.c

// refBenchMain returns bpf_main's result and its memory afterwards.
func refBenchMain(mem []byte) (uint32, []byte) {
	out := append([]byte(nil), mem...)
	n := binary.LittleEndian.Uint32(mem)
	n = min(n, 4096)
	crc := crc32.ChecksumIEEE(mem[16 : 16+n])
	limit := n%2000 + 2
	primes := uint32(0)
	for v := uint32(2); v < limit; v++ {
		prime := uint32(1)
		for d := uint32(2); d*d <= v; d++ {
			if v%d == 0 {
				prime = 0
				break
			}
		}
		primes += prime
	}
	binary.LittleEndian.PutUint32(out[4:], crc)
	binary.LittleEndian.PutUint32(out[8:], primes)
	return crc ^ primes, out
}
