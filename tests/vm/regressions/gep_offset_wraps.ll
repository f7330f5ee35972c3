; Fuzzer-found (fuzz_vm_bitcode, fixed in 748c7ff): constant GEP indices whose byte offset
; does not fit in 64 bits overflowed signed arithmetic in the translator (UBSan). Address
; arithmetic wraps: 2^62 elements of 8 bytes are 2^65 bytes, 0 modulo 2^64. With argc = 1,
; %i = 0 (a value the translator cannot fold): %a is @cell, %b is @cell + 8.
; %a has one variable index (one instruction, or folded into its load); %b has two (the
; general path, one GEP_IDX64 per index).
; EXPECT-EXIT: 42
@cell = global [2 x [2 x i64]] zeroinitializer

define i32 @main(i32 %argc, ptr %argv) {
  %z = sub i32 %argc, 1
  %i = zext i32 %z to i64
  store i64 40, ptr @cell
  %a = getelementptr [2 x i64], ptr @cell, i64 %i, i64 4611686018427387904
  %v = load i64, ptr %a
  %b = getelementptr [2 x [2 x i64]], ptr @cell, i64 %i, i64 %i, i64 4611686018427387905
  store i64 2, ptr %b
  %c = getelementptr i8, ptr @cell, i64 8
  %w = load i64, ptr %c
  %s = add i64 %v, %w
  %r = trunc i64 %s to i32
  ret i32 %r
}
