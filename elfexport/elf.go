package elfexport

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// object builds an ELF relocatable object: sections, symbols and RELA
// relocations, written in the order the ELF specification allows a
// linker to read them.
type object struct {
	machine elf.Machine
	abs64   uint32 // the relocation type of a 64-bit absolute address
	text    bytes.Buffer
	data    bytes.Buffer
	rodata  bytes.Buffer

	syms      []symbol
	textRelas []rela
	dataRelas []rela
}

type symbol struct {
	name    string
	section int // sectText, sectData, sectRodata, or 0 for undefined
	value   uint64
	size    uint64
	typ     elf.SymType
	global  bool
}

type rela struct {
	off    uint64
	sym    int // index into syms
	typ    uint32
	addend int64
}

// Section indices of the object.
const (
	sectText   = 1
	sectData   = 2
	sectRodata = 3
)

// symbol adds a symbol and returns its index.
func (o *object) symbol(s symbol) int {
	o.syms = append(o.syms, s)
	return len(o.syms) - 1
}

// bytes lays the object out.
func (o *object) bytes() []byte {
	// Symbol table: the null symbol, the three section symbols, then the
	// local symbols, then the global ones (ELF wants locals first).
	var locals, globals []int
	for i, s := range o.syms {
		if s.global {
			globals = append(globals, i)
		} else {
			locals = append(locals, i)
		}
	}
	order := append(append([]int(nil), locals...), globals...)
	index := make([]int, len(o.syms)) // syms index -> symtab index
	const firstSym = 4                // null + three section symbols
	for pos, i := range order {
		index[i] = firstSym + pos
	}
	var strtab bytes.Buffer
	strtab.WriteByte(0)
	var symtab bytes.Buffer
	writeSym := func(name uint32, info byte, shndx uint16, value, size uint64) {
		var b [24]byte
		binary.LittleEndian.PutUint32(b[0:], name)
		b[4] = info
		binary.LittleEndian.PutUint16(b[6:], shndx)
		binary.LittleEndian.PutUint64(b[8:], value)
		binary.LittleEndian.PutUint64(b[16:], size)
		symtab.Write(b[:])
	}
	writeSym(0, 0, 0, 0, 0)
	for _, sec := range []uint16{sectText, sectData, sectRodata} {
		writeSym(0, byte(elf.STB_LOCAL)<<4|byte(elf.STT_SECTION), sec, 0, 0)
	}
	for _, i := range order {
		s := o.syms[i]
		name := uint32(strtab.Len())
		strtab.WriteString(s.name)
		strtab.WriteByte(0)
		bind := elf.STB_LOCAL
		if s.global {
			bind = elf.STB_GLOBAL
		}
		writeSym(name, byte(bind)<<4|byte(s.typ), uint16(s.section), s.value, s.size)
	}
	relas := func(rs []rela) []byte {
		var b bytes.Buffer
		for _, r := range rs {
			var e [24]byte
			binary.LittleEndian.PutUint64(e[0:], r.off)
			binary.LittleEndian.PutUint64(e[8:], uint64(index[r.sym])<<32|uint64(r.typ))
			binary.LittleEndian.PutUint64(e[16:], uint64(r.addend))
			b.Write(e[:])
		}
		return b.Bytes()
	}

	type section struct {
		name      string
		typ       elf.SectionType
		flags     elf.SectionFlag
		data      []byte
		link, inf uint32
		align     uint64
		entsize   uint64
	}
	secs := []section{
		{},
		{name: ".text", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, data: o.text.Bytes(), align: 16},
		{name: ".data", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_WRITE, data: o.data.Bytes(), align: 64},
		{name: ".rodata", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC, data: o.rodata.Bytes(), align: 64},
		{name: ".rela.text", typ: elf.SHT_RELA, flags: elf.SHF_INFO_LINK, data: relas(o.textRelas), link: 6, inf: sectText, align: 8, entsize: 24},
		{name: ".rela.data", typ: elf.SHT_RELA, flags: elf.SHF_INFO_LINK, data: relas(o.dataRelas), link: 6, inf: sectData, align: 8, entsize: 24},
		{name: ".symtab", typ: elf.SHT_SYMTAB, data: symtab.Bytes(), link: 7, inf: uint32(firstSym + len(locals)), align: 8, entsize: 24},
		{name: ".strtab", typ: elf.SHT_STRTAB, data: strtab.Bytes(), align: 1},
		{name: ".note.GNU-stack", typ: elf.SHT_PROGBITS, align: 1},
		{name: ".shstrtab", typ: elf.SHT_STRTAB, align: 1},
	}
	var shstr bytes.Buffer
	shstr.WriteByte(0)
	names := make([]uint32, len(secs))
	for i := 1; i < len(secs); i++ {
		names[i] = uint32(shstr.Len())
		shstr.WriteString(secs[i].name)
		shstr.WriteByte(0)
	}
	secs[len(secs)-1].data = shstr.Bytes()

	var out bytes.Buffer
	out.Write(make([]byte, 64)) // the header, filled in last
	offsets := make([]uint64, len(secs))
	for i := 1; i < len(secs); i++ {
		for uint64(out.Len())%secs[i].align != 0 {
			out.WriteByte(0)
		}
		offsets[i] = uint64(out.Len())
		out.Write(secs[i].data)
	}
	for out.Len()%8 != 0 {
		out.WriteByte(0)
	}
	shoff := uint64(out.Len())
	for i, s := range secs {
		var h [64]byte
		if i > 0 {
			binary.LittleEndian.PutUint32(h[0:], names[i])
			binary.LittleEndian.PutUint32(h[4:], uint32(s.typ))
			binary.LittleEndian.PutUint64(h[8:], uint64(s.flags))
			binary.LittleEndian.PutUint64(h[24:], offsets[i])
			binary.LittleEndian.PutUint64(h[32:], uint64(len(s.data)))
			binary.LittleEndian.PutUint32(h[40:], s.link)
			binary.LittleEndian.PutUint32(h[44:], s.inf)
			binary.LittleEndian.PutUint64(h[48:], s.align)
			binary.LittleEndian.PutUint64(h[56:], s.entsize)
		}
		out.Write(h[:])
	}
	b := out.Bytes()
	copy(b[0:], "\x7fELF")
	b[4], b[5], b[6] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	binary.LittleEndian.PutUint16(b[16:], uint16(elf.ET_REL))
	binary.LittleEndian.PutUint16(b[18:], uint16(o.machine))
	binary.LittleEndian.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint64(b[40:], shoff)
	binary.LittleEndian.PutUint16(b[52:], 64) // header size
	binary.LittleEndian.PutUint16(b[58:], 64) // section header size
	binary.LittleEndian.PutUint16(b[60:], uint16(len(secs)))
	binary.LittleEndian.PutUint16(b[62:], uint16(len(secs)-1)) // .shstrtab
	return b
}
