; Phis that swap each other's values on the back-edge: parallel-move semantics.
; a,b start 1,2 and swap 5 times -> a=2 b=1; returns a*10+b = 21.
define i32 @main() {
entry:
  br label %loop
loop:
  %a = phi i32 [ 1, %entry ], [ %b, %loop ]
  %b = phi i32 [ 2, %entry ], [ %a, %loop ]
  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]
  %i1 = add i32 %i, 1
  %c = icmp ult i32 %i1, 6
  br i1 %c, label %loop, label %done
done:
  %x = mul i32 %a, 10
  %r = add i32 %x, %b
  ret i32 %r
}
