/* prime: count the primes below a limit by trial division.
 * Input: u64 limit (8 bytes; the suite passes 10000). Result: the number
 * of primes p with 2 <= p < limit (1229 for 10000). */
typedef unsigned long long u64;

u64 bpf_main(void *mem)
{
	u64 limit = *(const u64 *)mem;
	u64 count = 0;
	for (u64 n = 2; n < limit; n++) {
		u64 prime = 1;
		for (u64 d = 2; d * d <= n; d++) {
			if (n % d == 0) {
				prime = 0;
				break;
			}
		}
		count += prime;
	}
	return count;
}
