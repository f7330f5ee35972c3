; Bitcasts of i1 vectors were refused ("bitcast of an i1 vector"), and clang -O2 makes them of
; movemask-style loops. A lane is a bool byte in a frame but one bit in an integer: lane i is
; bit i. With argc = 1: the compare <1,-2,3,-4,5,6,-7,8> < 0 packs to 0b01001010 = 74; 74
; unpacks back to the same lanes (3 set; lane 1 set and lane 7 not take 1 off: 2); <16 x i1>
; to <2 x i8> keeps bytes 0x4a, 0x00. Exit = 74 + 2 + 0x4a + 0 - 74 = 76.
; EXPECT-EXIT: 76
define i32 @main(i32 %argc, ptr %argv) {
  %k = insertelement <8 x i32> <i32 1, i32 -2, i32 3, i32 -4, i32 5, i32 6, i32 -7, i32 8>, i32 %argc, i32 0
  %neg = icmp slt <8 x i32> %k, zeroinitializer
  %bits = bitcast <8 x i1> %neg to i8
  %m = zext i8 %bits to i32
  %back = bitcast i8 %bits to <8 x i1>
  %lanes = zext <8 x i1> %back to <8 x i32>
  %count = call i32 @llvm.vector.reduce.add.v8i32(<8 x i32> %lanes)
  %l7 = extractelement <8 x i1> %back, i32 7
  %l1 = extractelement <8 x i1> %back, i32 1
  %odd = or i1 %l7, %l1
  %oddz = zext i1 %odd to i32
  %c3 = sub i32 %count, %oddz
  %wide = shufflevector <8 x i1> %neg, <8 x i1> zeroinitializer, <16 x i32> <i32 0, i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7, i32 8, i32 9, i32 10, i32 11, i32 12, i32 13, i32 14, i32 15>
  %pair = bitcast <16 x i1> %wide to <2 x i8>
  %b0 = extractelement <2 x i8> %pair, i32 0
  %b1 = extractelement <2 x i8> %pair, i32 1
  %b0z = zext i8 %b0 to i32
  %b1z = zext i8 %b1 to i32
  %s1 = add i32 %m, %c3
  %s2 = add i32 %s1, %b0z
  %s3 = add i32 %s2, %b1z
  %r = sub i32 %s3, 74
  ret i32 %r
}
declare i32 @llvm.vector.reduce.add.v8i32(<8 x i32>)
