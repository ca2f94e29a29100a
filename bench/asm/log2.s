# Sums floor(log2(x)) over the 64-bit words of the input (x = 0 counts 0),
# with a branchy binary search per word.
    mov %r0, 0
    mov %r7, %r1
    mov %r8, %r1
    add %r8, %r2            # end
word:
    jge %r7, %r8, done
    ldxdw %r3, [%r7+0]
    mov %r4, 0
    lddw %r5, 0xffffffff
    jle %r3, %r5, lt32
    rsh %r3, 32
    add %r4, 32
lt32:
    jle %r3, 0xffff, lt16
    rsh %r3, 16
    add %r4, 16
lt16:
    jle %r3, 0xff, lt8
    rsh %r3, 8
    add %r4, 8
lt8:
    jle %r3, 0xf, lt4
    rsh %r3, 4
    add %r4, 4
lt4:
    jle %r3, 0x3, lt2
    rsh %r3, 2
    add %r4, 2
lt2:
    jle %r3, 0x1, lt1
    add %r4, 1
lt1:
    add %r0, %r4
    add %r7, 8
    ja word
done:
    exit
