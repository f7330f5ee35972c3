; A computed goto to a label that is not among the indirectbr's destinations (undefined
; behaviour) stops with the function named: tier 0's switch over the destinations' addresses
; falls to `unreachable`, never to some other block.
; EXPECT-ERROR: function 'main' reached 'unreachable'
@target = global ptr blockaddress(@main, %other)

define i32 @main() {
entry:
  %p = load ptr, ptr @target
  indirectbr ptr %p, [label %listed]
listed:
  ret i32 1
other:
  ret i32 2
}
