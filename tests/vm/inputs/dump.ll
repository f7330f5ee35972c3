; Input of the dump test: a loop whose compare fuses into its branch (BR_SLT_64) and whose
; address arithmetic folds into its load (LOAD32_IDX), x + 1 with an immediate (ADDI_64), a
; call, and a host import. main returns 1 + 2 + 3 + 4 = 10.
@data = global [4 x i32] [i32 1, i32 2, i32 3, i32 4]

declare i32 @puts(ptr)

define i32 @sum_array(ptr %a, i64 %n) {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i1, %loop ]
  %s = phi i32 [ 0, %entry ], [ %s1, %loop ]
  %p = getelementptr inbounds i32, ptr %a, i64 %i
  %x = load i32, ptr %p
  %s1 = add i32 %s, %x
  %i1 = add i64 %i, 1
  %c = icmp slt i64 %i1, %n
  br i1 %c, label %loop, label %done
done:
  ret i32 %s1
}

define i32 @main() {
  %r = call i32 @sum_array(ptr @data, i64 4)
  ret i32 %r
}
