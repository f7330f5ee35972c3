; A program whose one import no static libc defines (nor the interpreter's table, so its
; profile is written by hand: main, one block, called once).
declare i32 @bf_no_such_import()

define i32 @main() {
  %r = call i32 @bf_no_such_import()
  ret i32 %r
}
