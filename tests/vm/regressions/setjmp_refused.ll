; setjmp/longjmp is refused by name, before anything runs (it was reported as an unresolved
; import, which did not say why): the import table leaves it out on purpose.
; EXPECT-ERROR: '_setjmp' is not supported (setjmp/longjmp and the *context calls would jump across the interpreter's native frames)
@env = global [200 x i8] zeroinitializer, align 16

declare i32 @_setjmp(ptr)
declare void @longjmp(ptr, i32)

define i32 @main() {
  %r = call i32 @_setjmp(ptr @env)
  %done = icmp ne i32 %r, 0
  br i1 %done, label %out, label %jump
jump:
  call void @longjmp(ptr @env, i32 1)
  unreachable
out:
  ret i32 0
}
