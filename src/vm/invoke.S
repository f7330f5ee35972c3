// bf_vm_invoke(fn, arg, landing): calls fn(arg) and returns 0; an exception that the
// interpreter's personality routine (bf_vm_personality, exceptions.cpp) lands here makes it
// return 1 instead. The personality finds `landing` in rbx, which the unwinder restores.
    .text
    .globl bf_vm_invoke
    .globl bf_vm_invoke_landing
    .type bf_vm_invoke, @function
    .p2align 4
bf_vm_invoke:
    .cfi_startproc
    .cfi_personality 0x9b, DW.ref.bf_vm_personality
    pushq %rbx
    .cfi_def_cfa_offset 16
    .cfi_offset %rbx, -16
    movq %rdx, %rbx
    movq %rdi, %rax
    movq %rsi, %rdi
    callq *%rax
    xorl %eax, %eax
.Lbf_vm_invoke_out:
    popq %rbx
    .cfi_remember_state
    .cfi_def_cfa_offset 8
    ret
    .cfi_restore_state
bf_vm_invoke_landing:
    movl $1, %eax
    jmp .Lbf_vm_invoke_out
    .cfi_endproc
    .size bf_vm_invoke, .-bf_vm_invoke

    .hidden DW.ref.bf_vm_personality
    .weak DW.ref.bf_vm_personality
    .section .data.DW.ref.bf_vm_personality,"awG",@progbits,DW.ref.bf_vm_personality,comdat
    .p2align 3
    .type DW.ref.bf_vm_personality, @object
    .size DW.ref.bf_vm_personality, 8
DW.ref.bf_vm_personality:
    .quad bf_vm_personality
    .section .note.GNU-stack,"",@progbits
