# Counts the primes below the 32-bit number at offset 0 of the input, by
# trial division with a modulo per candidate divisor.
    ldxw %r6, [%r1+0]       # limit
    mov %r0, 0              # count
    mov %r2, 2              # candidate
outer:
    jge %r2, %r6, done
    mov %r3, 2              # divisor
inner:
    mov %r4, %r3
    mul %r4, %r3
    jgt %r4, %r2, prime     # divisor^2 > candidate: no divisor found
    mov %r5, %r2
    mod %r5, %r3
    jeq %r5, 0, next        # divisible: not prime
    add %r3, 1
    ja inner
prime:
    add %r0, 1
next:
    add %r2, 1
    ja outer
done:
    exit
