/* simple: return a constant. Measures entering and leaving a program.
 * Input: 8 bytes (ignored). Result: 42. */
typedef unsigned long long u64;

u64 bpf_main(void *mem)
{
	return 42;
}
