; Fuzzer-found (fuzz_vm_bitcode, fixed in 748c7ff): `x - C` becomes `x + (-C)` with an
; immediate (ADDI_32/ADDI_64), and negating C = INT64_MIN overflowed in the translator
; (UBSan: "negation of -9223372036854775808 cannot be represented"). The negation wraps now,
; as the subtraction does. With argc = 1:
;   1 - INT64_MIN = 0x8000000000000001 (top bit 1, low byte 1), 1 - INT32_MIN = 0x80000001.
; EXPECT-EXIT: 3
define i32 @main(i32 %argc, ptr %argv) {
  %x = zext i32 %argc to i64
  %d = sub i64 %x, -9223372036854775808
  %hi = lshr i64 %d, 63
  %lo = and i64 %d, 255
  %e = sub i32 %argc, -2147483648
  %ehi = lshr i32 %e, 31
  %ehi64 = zext i32 %ehi to i64
  %s1 = add i64 %hi, %lo
  %s = add i64 %s1, %ehi64
  %r = trunc i64 %s to i32
  ret i32 %r
}
