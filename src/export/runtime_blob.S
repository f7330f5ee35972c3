// BareFlow's export runtime as bitcode (runtime/export_runtime.cpp), embedded so that export
// needs no compiler: it is linked into each exported program before the optimizer runs.
    .section .rodata
    .balign 16
    .globl bf_export_runtime, bf_export_runtime_end
bf_export_runtime:
    .incbin BF_EXPORT_RUNTIME_BC
bf_export_runtime_end:
    .section .note.GNU-stack, "", @progbits
