/* Helpers whose results are environment-dependent (CPU number, clocks,
 * random numbers) are only checked for consistency, never written out; the
 * string helpers (bpf_strncmp, bpf_snprintf, bpf_strtol, bpf_strtoul) are
 * deterministic and their results go to the context. */
#include "common.h"

DECLARE_LICENSE();

/* ------------------------------------------- cpu, clocks, random numbers */

MAP_KV(misc_pcpu, BPF_MAP_TYPE_PERCPU_ARRAY, u32, u64, 1);

struct misc_ctx {
	u64 marker;  /* in: stored into misc_pcpu on this CPU */
	u32 checks;  /* out: bit mask of passed checks (0x3F) */
	u32 pad;
};

SEC("syscall")
int helpers_misc(struct misc_ctx *c)
{
	u32 checks = 0;
	u32 cpu1 = bpf_get_smp_processor_id();
	u64 t1 = bpf_ktime_get_ns();
	u32 r1 = bpf_get_prandom_u32();
	u32 r2 = bpf_get_prandom_u32();
	u64 t2 = bpf_ktime_get_ns();
	u64 boot = bpf_ktime_get_boot_ns();
	u32 cpu2 = bpf_get_smp_processor_id();

	if (cpu1 == cpu2)
		checks |= 1;
	if (t2 >= t1)
		checks |= 2;
	if (boot >= t1) /* boot time includes suspend; never behind monotonic */
		checks |= 4;
	/* two random words: no value is guaranteed, but consuming them must not
	 * crash; fold them into a bit that is always set */
	if ((r1 ^ r2) == (r2 ^ r1))
		checks |= 8;

	u32 k = 0;
	u64 *mine = bpf_map_lookup_elem(&misc_pcpu, &k);
	if (mine) {
		*mine = c->marker;
		u64 *same = bpf_map_lookup_percpu_elem(&misc_pcpu, &k, cpu1);
		if (same && *same == c->marker)
			checks |= 16;
	}
	if (bpf_get_numa_node_id() >= 0)
		checks |= 32;

	c->checks = checks;
	CHECK(checks == 0x3F);
	return 0;
}

/* ------------------------------------------- bpf_strncmp, bpf_snprintf */

/* bpf_strncmp's third argument and bpf_snprintf's format must live in a
 * read-only map: .rodata. */
static const char word_ebpf[] = "ebpf";
static const char word_jit[] = "ebpfjit";
static const char fmt[] = "%s|%d|%u|%x|%lld|%llx|%c|%%|%5d|%-4u|";

struct strings_ctx {
	char name[16];   /* in: NUL-terminated string (a NUL is forced at the end) */
	s64 num;         /* in */
	s32 cmp_ebpf;    /* out: bpf_strncmp(name, 16, "ebpf"): -1, 0 or 1 */
	s32 cmp_jit;     /* out: bpf_strncmp(name, 16, "ebpfjit") */
	s32 cmp_prefix;  /* out: bpf_strncmp(name, 4, "ebpfjit"): compares 4 bytes */
	s32 len;         /* out: bpf_snprintf result (length including the NUL) */
	char out[80];    /* out: formatted text */
	s32 len_short;   /* out: bpf_snprintf into 8 bytes (full length, text truncated) */
	char out_short[8]; /* out */
	s32 pad;
};

SEC("syscall")
int strings_prog(struct strings_ctx *c)
{
	char name[16];
	__builtin_memcpy(name, c->name, 16);
	name[15] = 0;
	s64 num = c->num;

	s32 cmp_ebpf = bpf_strncmp(name, 16, word_ebpf);
	s32 cmp_jit = bpf_strncmp(name, 16, word_jit);
	s32 cmp_prefix = bpf_strncmp(name, 4, word_jit);

	u64 args[10];
	args[0] = (u64)(long)name;
	args[1] = (u64)(s32)num;
	args[2] = (u32)num;
	args[3] = (u32)num;
	args[4] = num;
	args[5] = num;
	args[6] = 'A' + ((u64)num & 15);
	args[7] = (u64)(s32)((u32)num % 1000) - 500;
	args[8] = (u32)(num & 0xFF);
	args[9] = 0;

	char out[80];
	char out_short[8];
	__builtin_memset(out, 0, sizeof(out));
	__builtin_memset(out_short, 0, sizeof(out_short));
	s32 len = bpf_snprintf(out, sizeof(out), fmt, args, 9 * 8);
	s32 len_short = bpf_snprintf(out_short, sizeof(out_short), fmt, args, 9 * 8);

	c->cmp_ebpf = cmp_ebpf;
	c->cmp_jit = cmp_jit;
	c->cmp_prefix = cmp_prefix;
	c->len = len;
	__builtin_memcpy(c->out, out, sizeof(out));
	c->len_short = len_short;
	__builtin_memcpy(c->out_short, out_short, sizeof(out_short));

	CHECK(len > 0 && len <= 80);
	CHECK(len_short == len);
	return 0;
}

/* ------------------------------------------- bpf_strtol, bpf_strtoul */

struct strtol_ctx {
	char s[4][24];  /* in: strings (a NUL is forced at the end of each) */
	u32 flags[4];   /* in: base flags: 0 (auto: 0x / 0 prefixes), 8, 10 or 16; others are invalid */
	s64 ret_l[4];   /* out: bpf_strtol result: bytes consumed or -EINVAL / -ERANGE */
	s64 val_l[4];   /* out: parsed value (the helper stores 0 on error) */
	s64 ret_ul[4];  /* out: bpf_strtoul result */
	u64 val_ul[4];  /* out */
};

SEC("syscall")
int strtol_prog(struct strtol_ctx *c)
{
	char buf[24];
	UNROLL for (int i = 0; i < 4; i++) {
		__builtin_memcpy(buf, c->s[i], 24);
		buf[23] = 0;
		u64 flags = c->flags[i];
		long l = 0x5A5A;
		unsigned long ul = 0x5A5A;
		s64 rl = bpf_strtol(buf, sizeof(buf), flags, &l);
		s64 rul = bpf_strtoul(buf, sizeof(buf), flags, &ul);
		c->ret_l[i] = rl;
		c->val_l[i] = l;
		c->ret_ul[i] = rul;
		c->val_ul[i] = ul;
	}
	return 0;
}
