/* memory_a_plus_b: add two u64 read from memory.
 * Input: u64 a, u64 b (16 bytes). Result: a + b. */
typedef unsigned long long u64;

u64 bpf_main(void *mem)
{
	const u64 *v = mem;
	return v[0] + v[1];
}
