; The *context calls switch stacks under the interpreter's native frames: still refused by name
; before anything runs, while setjmp/longjmp now run (src/vm/setjmp.cpp).
; EXPECT-ERROR: 'getcontext' is not supported (the *context calls and vfork would jump across the interpreter's native frames)
@ctx = global [1000 x i8] zeroinitializer, align 16

declare i32 @getcontext(ptr)

define i32 @main() {
  %r = call i32 @getcontext(ptr @ctx)
  ret i32 %r
}
