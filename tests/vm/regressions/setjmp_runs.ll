; setjmp and longjmp in one function, the smallest case tier 0 runs (src/vm/setjmp.cpp): the
; second return of setjmp gives the longjmp's value. It was refused by name before.
; EXPECT-EXIT: 3
@env = global [200 x i8] zeroinitializer, align 16

declare i32 @_setjmp(ptr) returns_twice
declare void @longjmp(ptr, i32) noreturn

define i32 @main() {
  %r = call i32 @_setjmp(ptr @env)
  %done = icmp ne i32 %r, 0
  br i1 %done, label %out, label %jump
jump:
  call void @longjmp(ptr @env, i32 3)
  unreachable
out:
  ret i32 %r
}
