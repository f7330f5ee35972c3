; Fuzzer-found (fuzz_vm_bitcode under LeakSanitizer, fixed in 748c7ff): the machine did not
; free the closures behind the functions' native entries, nor the placeholder entries of
; functions libffi cannot describe. Functions of both kinds here (a vector parameter and a
; variadic one get a `ud2` entry), called directly and through pointers; the regression test
; also loads, translates and destroys the module under ASan+UBSan.
; EXPECT-EXIT: 21
define i32 @add(i32 %a, i32 %b) {
  %s = add i32 %a, %b
  ret i32 %s
}

define double @scale(double %x, float %y) {
  %yd = fpext float %y to double
  %p = fmul double %x, %yd
  ret double %p
}

define i32 @lane_sum(<4 x i32> %v) {
  %s = call i32 @llvm.vector.reduce.add.v4i32(<4 x i32> %v)
  ret i32 %s
}

define i32 @count(i32 %n, ...) {
  ret i32 %n
}

declare i32 @llvm.vector.reduce.add.v4i32(<4 x i32>)

define i32 @main(i32 %argc, ptr %argv) {
  %f = select i1 true, ptr @add, ptr @count
  %a = call i32 %f(i32 1, i32 2)                                   ; 3
  %d = call double @scale(double 2.0, float 2.5)                   ; 5.0
  %di = fptosi double %d to i32
  %v = call i32 @lane_sum(<4 x i32> <i32 1, i32 2, i32 3, i32 4>)  ; 10
  %c = call i32 (i32, ...) @count(i32 3, i32 7)                    ; 3
  %s1 = add i32 %a, %di
  %s2 = add i32 %s1, %v
  %s = add i32 %s2, %c
  ret i32 %s
}
