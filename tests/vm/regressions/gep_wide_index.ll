; Fuzzer-found (fuzz_vm_bitcode, fixed in 748c7ff): a GEP index wider than 64 bits reached
; 64-bit index arithmetic (a constant one through APInt::getSExtValue, which does not hold
; it). Tier 0 refuses such indices with one line naming the function and the instruction.
; EXPECT-ERROR: function 'main': unsupported index wider than 64 bits: %p = getelementptr i8, ptr %argv, i128 18446744073709551617
define i32 @main(i32 %argc, ptr %argv) {
  %p = getelementptr i8, ptr %argv, i128 18446744073709551617
  %v = load i8, ptr %p
  %r = zext i8 %v to i32
  ret i32 %r
}
