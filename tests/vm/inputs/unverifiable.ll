; Not valid IR: the value is used before it is defined in the same block (assembled without
; verification).
define i32 @main() {
  %a = add i32 %b, 1
  %b = add i32 %a, 1
  ret i32 %a
}
