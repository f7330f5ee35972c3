; main calls a function that no import table provides.
declare i32 @no_such_host_function(i32)
define i32 @main() {
  %r = call i32 @no_such_host_function(i32 1)
  ret i32 %r
}
