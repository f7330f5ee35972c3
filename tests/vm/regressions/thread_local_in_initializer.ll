; The address of a thread-local differs from thread to thread, so it cannot be part of an
; ordinary global's initializer (clang never emits one; hand-written IR can): refused by name.
; EXPECT-ERROR: initializer of 'p': unsupported address of thread-local global 'x' (it differs from thread to thread)
@x = thread_local global i32 1
@p = global ptr @x

define i32 @main() {
  ret i32 0
}
