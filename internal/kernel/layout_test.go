package kernel

// Go mirrors of the context structs of testdata/elf/*.c. Field order, sizes
// and offsets match the C declarations; TestLayouts checks them against the
// BTF of the objects.

type arrayCtx struct {
	Idx                                     [4]uint32
	Add                                     [4]uint64
	SumAfter                                [4]uint64
	RetOOB, RetNoexist, RetDelete, RetExist int64
	TotalHits, Missing                      uint32
}

type counter struct {
	Sum  uint64
	Hits uint32
	Last uint32
}

type hashCtx struct {
	Keys                                                                       [4]uint32
	Vals                                                                       [4]uint64
	RetInsert                                                                  [4]int64
	RetDup, RetExistAbsent, RetOverflow, RetReplace, RetDelete, RetDeleteAgain int64
	Lookup                                                                     [4]uint64
}

type pcpuArrayCtx struct {
	Idx             [2]uint32
	Add             [2]uint64
	After           [2]uint64
	RetUpdate       int64
	RetOOB          int64
	BadCPUNull, Pad uint32
}

type pcpuHashCtx struct {
	Keys      [4]uint32
	Add       [4]uint64
	Sum       [4]uint64
	Hits      [4]uint32
	LruVal    [4]uint64
	RetDelete int64
}

type lruCtx struct {
	Keys                  [4]uint32
	Vals                  [4]uint64
	Found                 [4]uint64
	RetDelete             int64
	OverflowOK, LastFound uint32
}

type qsCtx struct {
	Push                      [6]uint32
	Overwrite                 uint32
	RetPush                   [6]int32
	RetOverwrite, RetPeek     int32
	Peek                      uint32
	RetPop                    [2]int32
	Pop                       [2]uint32
	RetEmptyPop, RetEmptyPeek int32
}

type rbOutputCtx struct {
	N, Pad                            uint32
	Vals                              [4]uint64
	Ret                               [4]int64
	RetBadFlags                       int64
	Avail, RingSize, ConsPos, ProdPos uint64
}

type rbReserveCtx struct {
	N, DiscardMask                        uint32
	Payload                               uint64
	AvailBefore, AvailAfter, ProdPos      uint64
	Submitted, Discarded, TooBigNull, Pad uint32
}

type event struct {
	Kind, Seq uint32
	Payload   uint64
	Tag       [8]byte
}

type tailCtx struct {
	Slot, Arg uint64
}

type globalsCtx struct {
	Idx, Value                            uint32
	Counter, TableVal, Total, TotalBefore uint64
	SlotVal, Hist0, Extra, Scale          uint32
	Small                                 int64
	Greeting                              [8]byte
	Flags, Pad                            uint32
}

type globalsPtrCtx struct {
	N, Pad uint32
	Hash   uint64
	Slots  [8]uint32
}

type atom struct {
	A64      uint64
	A32, B32 uint32
	X64      uint64
	Cas64    uint64
	Cas32    uint32
	X32      uint32
}

type atomicsCtx struct {
	Add, Mask, Init, Newv                                                           uint64
	FetchAdd64, FetchOr64, FetchAnd64, FetchXor64, Xchg64, Cas64Hit, Cas64Miss      uint64
	FetchAdd32, FetchOr32, FetchAnd32, FetchXor32, Xchg32, Cas32Hit, Cas32Miss, Pad uint32
	G64Old, G64SubOld                                                               uint64
	G32Old, G32Final                                                                uint32
	Final                                                                           atom
}

type boundedCtx struct {
	Data                            [64]byte
	Len                             uint32
	Needle                          uint8
	Pad                             [3]uint8
	Sum, Xor, Fnv, Count, Ups, Last uint32
}

type sortCtx struct {
	Vals       [16]uint32
	Swaps, Pad uint32
}

type bpfLoopCtx struct {
	N, StopAt         uint32
	Fib, Acc          uint64
	Ret               int32
	Last              uint32
	RetFlags, RetZero int64
}

type feCtx struct {
	Vals                [8]uint64
	StopAfter, Pad      uint32
	ArrSum, ArrKeySum   uint64
	ArrVisited          uint32
	ArrRet              int32
	HashSum, HashKeySum uint64
	HashVisited         uint32
	HashRet             int32
}

type callsCtx struct {
	A, B        int32
	Seed, Depth uint32
	Diff, Acc   int64
	Min, Max    int32
	Buf         [4]uint32
	Chain       uint64
	Global      int32
	Checksum    uint32
}

type miscCtx struct {
	Marker      uint64
	Checks, Pad uint32
}

type stringsCtx struct {
	Name                            [16]byte
	Num                             int64
	CmpEbpf, CmpJit, CmpPrefix, Len int32
	Out                             [80]byte
	LenShort                        int32
	OutShort                        [8]byte
	Pad                             int32
}

type strtolCtx struct {
	S     [4][24]byte
	Flags [4]uint32
	RetL  [4]int64
	ValL  [4]int64
	RetUL [4]int64
	ValUL [4]uint64
}

type endianCtx struct {
	In16, Pad0                      uint16
	In32                            uint32
	In64                            uint64
	Raw                             [8]byte
	Htons16, Bswap16                uint16
	Htonl32, Ntohl32, Bswap32       uint32
	Be64, Bswap64, Le64, Le32, Le16 uint64
	Sw16In32, RawBe32               uint32
	RawBe64                         uint64
	RawBe16, Pad1                   uint16
	Mix                             uint32
}

type vmCtx struct {
	Code                        [32]byte
	Stack                       [8]uint64
	Sp, MaxSteps, Status, Steps uint32
	Top                         uint64
}

type classifyCtx struct {
	Ports, Classes   [8]uint32
	Histogram, Known uint32
}

type parseCtx struct {
	Pkt                                                        [128]byte
	PktLen, Verdict                                            uint32
	EthProto, VlanID                                           uint16
	IPVer, IPProto, TTL, IHL                                   uint8
	Saddr, Daddr                                               uint32
	Sport, Dport, Csum, TCPFlags, L4Off, PayloadLen, Frag, Pad uint16
	FlowPackets                                                uint64
}

type flowKey struct {
	Saddr, Daddr uint32
	Sport, Dport uint16
	Proto, IPVer uint8
	Pad          uint16
}

type flowStats struct {
	Packets, Bytes uint64
}

type sdivCtx struct {
	A, B           int64
	C, D           int32
	Q64, R64       int64
	Q32, R32       int32
	QImm, RImm     int64
	Q32Imm, R32Imm int32
	UQ64           uint64
	Mixed          int64
}

type sxCtx struct {
	B                   [4]int8
	H                   [2]int16
	W                   [2]int32
	Raw                 uint64
	LdB                 [4]int64
	LdH                 [2]int64
	LdW                 [2]int64
	Mov8, Mov16, Mov32  int64
	Mov8_32, Mov16_32   uint32
	StackLd, MapLd, Sum int64
}

type bswapCtx struct {
	In, S16, S32, S64, Roundtrip uint64
}

type gotolCtx struct {
	Seed      uint64
	Skip, Pad uint32
	Out       uint64
}

// layouts names the C struct each mirror stands for and an object whose
// BTF describes it.
var layouts = []struct {
	object, cName string
	goValue       any
}{
	{"maps.o", "array_ctx", arrayCtx{}},
	{"maps.o", "counter", counter{}},
	{"maps.o", "hash_ctx", hashCtx{}},
	{"maps.o", "pcpu_array_ctx", pcpuArrayCtx{}},
	{"maps.o", "pcpu_hash_ctx", pcpuHashCtx{}},
	{"maps.o", "lru_ctx", lruCtx{}},
	{"maps.o", "qs_ctx", qsCtx{}},
	{"ringbuf.o", "rb_output_ctx", rbOutputCtx{}},
	{"ringbuf.o", "rb_reserve_ctx", rbReserveCtx{}},
	{"tailcall.o", "tail_ctx", tailCtx{}},
	{"globals.o", "globals_ctx", globalsCtx{}},
	{"globals.o", "globals_ptr_ctx", globalsPtrCtx{}},
	{"atomics.o", "atom", atom{}},
	{"atomics.o", "atomics_ctx", atomicsCtx{}},
	{"loops.o", "bounded_ctx", boundedCtx{}},
	{"loops.o", "sort_ctx", sortCtx{}},
	{"loops.o", "bpfloop_ctx", bpfLoopCtx{}},
	{"loops.o", "fe_ctx", feCtx{}},
	{"calls.o", "calls_ctx", callsCtx{}},
	{"helpers.o", "misc_ctx", miscCtx{}},
	{"helpers.o", "strings_ctx", stringsCtx{}},
	{"helpers.o", "strtol_ctx", strtolCtx{}},
	{"endian.o", "endian_ctx", endianCtx{}},
	{"switch.o", "vm_ctx", vmCtx{}},
	{"switch.o", "classify_ctx", classifyCtx{}},
	{"parser.o", "parse_ctx", parseCtx{}},
	{"parser.o", "flow_key", flowKey{}},
	{"parser.o", "flow_stats", flowStats{}},
	{"v4.o", "sdiv_ctx", sdivCtx{}},
	{"v4.o", "sx_ctx", sxCtx{}},
	{"v4.o", "bswap_ctx", bswapCtx{}},
	{"v4.o", "gotol_ctx", gotolCtx{}},
}
