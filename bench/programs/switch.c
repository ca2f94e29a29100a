/* switch: a 64-case switch over 4096 values; every case changes an
 * accumulator in its own way (add, xor, multiply, rotate, subtract the
 * index, shift-xor, shift-add, complement-xor), so that clang keeps a
 * branch tree instead of a lookup table.
 * Input: u32 v[4096] (16 KiB), each in [0, 64).
 * Result: the low 32 bits of acc ^ (acc >> 32), acc starting at 0. */
typedef unsigned int u32;
typedef unsigned long long u64;

#define N 4096

u64 bpf_main(void *mem)
{
	const u32 *v = mem;
	u64 acc = 0;
	for (u64 i = 0; i < N; i++) {
		switch (v[i]) {
		case 0: acc += 0xe220a8397b1dcdafULL; break;
		case 1: acc ^= 0x6e789e6aa1b965f4ULL; break;
		case 2: acc *= 0x06c45d188009454fULL; break;
		case 3: acc = (acc << 4) | (acc >> 60); break;
		case 4: acc -= i ^ 0x1b39896a51a8749bULL; break;
		case 5: acc ^= acc >> 6; break;
		case 6: acc += acc << 7; break;
		case 7: acc = ~acc ^ 0xc584133ac916ab3cULL; break;
		case 8: acc += 0x3ee5789041c98ac3ULL; break;
		case 9: acc ^= 0xf3b8488c368cb0a6ULL; break;
		case 10: acc *= 0x657eecdd3cb13d09ULL; break;
		case 11: acc = (acc << 12) | (acc >> 52); break;
		case 12: acc -= i ^ 0x8621a03fe0bbdb7bULL; break;
		case 13: acc ^= acc >> 14; break;
		case 14: acc += acc << 15; break;
		case 15: acc = ~acc ^ 0x84bb3f97971d80abULL; break;
		case 16: acc += 0x7d29825c75521255ULL; break;
		case 17: acc ^= 0xc3cf17102b7f7f86ULL; break;
		case 18: acc *= 0x3466e9a083914f65ULL; break;
		case 19: acc = (acc << 20) | (acc >> 44); break;
		case 20: acc -= i ^ 0xdb01602b100b9ed7ULL; break;
		case 21: acc ^= acc >> 22; break;
		case 22: acc += acc << 23; break;
		case 23: acc = ~acc ^ 0x54496ad67bd2634cULL; break;
		case 24: acc += 0xdd7c01d4f5407269ULL; break;
		case 25: acc ^= 0x935e82f1db4c4f7bULL; break;
		case 26: acc *= 0x69b82ebc92233301ULL; break;
		case 27: acc = (acc << 28) | (acc >> 36); break;
		case 28: acc -= i ^ 0xa2f09dabb45c6316ULL; break;
		case 29: acc ^= acc >> 30; break;
		case 30: acc += acc << 31; break;
		case 31: acc = ~acc ^ 0x377d35dea8e40225ULL; break;
		case 32: acc += 0x0c7de8064963bab0ULL; break;
		case 33: acc ^= 0x05582d37111ac529ULL; break;
		case 34: acc *= 0xd254741f599dc6f7ULL; break;
		case 35: acc = (acc << 36) | (acc >> 28); break;
		case 36: acc -= i ^ 0x417ef96181daa383ULL; break;
		case 37: acc ^= acc >> 38; break;
		case 38: acc += acc << 39; break;
		case 39: acc = ~acc ^ 0x4fa9fa7324851729ULL; break;
		case 40: acc += 0x84eb4454a792922aULL; break;
		case 41: acc ^= 0x134f7096918175ceULL; break;
		case 42: acc *= 0x07dc930b302278a9ULL; break;
		case 43: acc = (acc << 44) | (acc >> 20); break;
		case 44: acc -= i ^ 0xcc06c31652ebf438ULL; break;
		case 45: acc ^= acc >> 46; break;
		case 46: acc += acc << 47; break;
		case 47: acc = ~acc ^ 0x690ed476743aae49ULL; break;
		case 48: acc += 0x774615d7b1a1f2e1ULL; break;
		case 49: acc ^= 0x22b353f04f4f52daULL; break;
		case 50: acc *= 0xe3ddd86ba71a5eb1ULL; break;
		case 51: acc = (acc << 52) | (acc >> 12); break;
		case 52: acc -= i ^ 0x2098eb73d4367d77ULL; break;
		case 53: acc ^= acc >> 54; break;
		case 54: acc += acc << 55; break;
		case 55: acc = ~acc ^ 0x9b196bca844f1705ULL; break;
		case 56: acc += 0x30260345dd9e0ec1ULL; break;
		case 57: acc ^= 0xcf448a5882bb9698ULL; break;
		case 58: acc *= 0xf4a578dccbc87657ULL; break;
		case 59: acc = (acc << 60) | (acc >> 4); break;
		case 60: acc -= i ^ 0xed79402d1d5c5d7bULL; break;
		case 61: acc ^= acc >> 62; break;
		case 62: acc += acc << 63; break;
		case 63: acc = ~acc ^ 0xe255b237b8bb18fbULL; break;
		}
	}
	return (u32)(acc ^ (acc >> 32));
}
