; Tier 0 runs an empty inline assembly template (tests/vm/corpus/empty_asm.c), but an output
; that is tied to no input would hold whatever its register held natively: refused by name,
; never a made-up value (the JIT tiers compile it).
; EXPECT-ERROR: function 'main': unsupported inline assembly (tier 0 cannot run it; --tier=auto or O1-O3 compile it): %x = call i32 asm "", "=r"()
define i32 @main() {
  %x = call i32 asm "", "=r"()
  ret i32 0
}
