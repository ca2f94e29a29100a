# Compares the NUL-terminated strings at offset 0 and at offset 1 MiB of
# the input byte by byte, like strcmp: returns the difference of the
# first differing bytes (as a 64-bit value), 0 when they are equal.
    mov %r3, %r1
    mov %r4, %r1
    add %r4, 0x100000
loop:
    ldxb %r5, [%r3+0]
    ldxb %r6, [%r4+0]
    jne %r5, %r6, diff
    jeq %r5, 0, equal
    add %r3, 1
    add %r4, 1
    ja loop
diff:
    mov %r0, %r5
    sub %r0, %r6
    exit
equal:
    mov %r0, 0
    exit
