; A scalar wider than 8 bytes taken out of an aggregate or a vector (extractvalue of an i128
; field, bitcast <2 x i64> to i128) was moved with MOVZX, which
; widens at most 8 bytes: the upper half read as 0 and the kernel's memcpy overran its 8-byte
; buffer, exit status 0 (gcc's pr84169 through __builtin_mul_overflow on __int128).
; Each check below adds its upper 64 bits' low byte: 5 + 7 = 12.
; EXPECT-EXIT: 12
define i32 @main(i32 %argc, ptr %argv) {
  %hi = zext i32 %argc to i128
  %sh = shl i128 %hi, 66                      ; argc << 66: upper half 4 * argc = 4
  %a = add i128 %sh, 18446744073709551616     ; + 1 << 64: upper half 5
  %s = insertvalue { i128, i1 } undef, i128 %a, 0
  %x = extractvalue { i128, i1 } %s, 0
  %xh = lshr i128 %x, 64
  %r1 = trunc i128 %xh to i32
  %v = insertelement <2 x i64> <i64 0, i64 7>, i64 1, i32 0
  %b = bitcast <2 x i64> %v to i128
  %bh = lshr i128 %b, 64
  %r2 = trunc i128 %bh to i32
  %t = add i32 %r1, %r2
  ret i32 %t
}
