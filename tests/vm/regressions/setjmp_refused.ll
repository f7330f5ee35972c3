; setjmp is tier 0's own instruction (src/vm/setjmp.cpp), which is the call itself: a program may
; take setjmp's address (compiled and host code call the C library's), but an interpreted call
; through it is refused by name at run time (it was an unresolved import, then all of setjmp
; was refused; direct calls run now: tests/vm/corpus/setjmp_longjmp.c).
; EXPECT-ERROR: function 'main': setjmp called through a pointer (tier 0 runs setjmp only as a direct call)
@env = global [200 x i8] zeroinitializer, align 16
@setjmp_pointer = global ptr @_setjmp

declare i32 @_setjmp(ptr)

define i32 @main() {
  %p = load volatile ptr, ptr @setjmp_pointer
  %r = call i32 %p(ptr @env)
  ret i32 %r
}
