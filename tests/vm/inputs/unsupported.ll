; Inline assembly is beyond tier 0: it must fail with a message naming function and instruction.
define i32 @uses_asm(i32 %x) {
  %r = call i32 asm "bswap $0", "=r,0"(i32 %x)
  ret i32 %r
}
define i32 @main() {
  %r = call i32 @uses_asm(i32 3)
  ret i32 %r
}
