// Entry points from the program into the kernel: CPU exceptions (each on an IST stack, because the
// program runs in ring 0 and its red zone lies below its stack pointer) and the `syscall`
// instruction. Both save the program's extended (SSE/AVX) state with xsave or fxsave.

    .text

// Exceptions ---------------------------------------------------------------------------------
.macro EXC vec, has_error
    .globl exc_stub_\vec
exc_stub_\vec:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vec
    jmp exc_common
.endm

EXC 0,0
EXC 1,0
EXC 2,0
EXC 3,0
EXC 4,0
EXC 5,0
EXC 6,0
EXC 7,0
EXC 8,1
EXC 9,0
EXC 10,1
EXC 11,1
EXC 12,1
EXC 13,1
EXC 14,1
EXC 15,0
EXC 16,0
EXC 17,1
EXC 18,0
EXC 19,0
EXC 20,0
EXC 21,1
EXC 22,0
EXC 23,0
EXC 24,0
EXC 25,0
EXC 26,0
EXC 27,0
EXC 28,0
EXC 29,1
EXC 30,1
EXC 31,0

    .section .rodata
    .balign 8
    .globl exc_stub_table
exc_stub_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exc_stub_\n
    .endr

    .text
// Frame layout matches struct ExceptionFrame in cpu.h.
exc_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movl $-1, %eax
    movl $-1, %edx
    cmpb $0, cpu_use_xsave(%rip)
    je 1f
    xsave64 exc_fpu_area(%rip)
    jmp 2f
1:  fxsave64 exc_fpu_area(%rip)
2:  movq %rsp, %rdi
    call exception_dispatch
    movl $-1, %eax
    movl $-1, %edx
    cmpb $0, cpu_use_xsave(%rip)
    je 3f
    xrstor64 exc_fpu_area(%rip)
    jmp 4f
3:  fxrstor64 exc_fpu_area(%rip)
4:  popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp
    iretq

// System calls -------------------------------------------------------------------------------
// `syscall` in ring 0: RCX = return address, R11 = RFLAGS, RSP is still the program's. Switch to
// the kernel's stack at once, and return with popfq + jmp *%rcx (sysret would land in ring 3).
// Frame layout matches struct SyscallFrame in syscall/syscall.h.
    .globl syscall_entry
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    leaq syscall_stack_top(%rip), %rsp
    pushq syscall_user_rsp(%rip)
    pushq %r11
    pushq %rcx
    pushq %r9
    pushq %r8
    pushq %r10
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rax
    movl $-1, %eax
    movl $-1, %edx
    cmpb $0, cpu_use_xsave(%rip)
    je 1f
    xsave64 syscall_fpu_area(%rip)
    jmp 2f
1:  fxsave64 syscall_fpu_area(%rip)
2:  movq %rsp, %rdi
    call syscall_dispatch
    movq %rax, (%rsp)
    movl $-1, %eax
    movl $-1, %edx
    cmpb $0, cpu_use_xsave(%rip)
    je 3f
    xrstor64 syscall_fpu_area(%rip)
    jmp 4f
3:  fxrstor64 syscall_fpu_area(%rip)
4:  popq %rax
    popq %rdi
    popq %rsi
    popq %rdx
    popq %r10
    popq %r8
    popq %r9
    popq %rcx
    popq %r11
    pushq %r11
    popfq
    popq %rsp
    jmp *%rcx

// enter_program(entry, stack): start the program with a clean register file, as execve does.
    .globl enter_program
enter_program:
    movq %rsi, %rsp
    pushq %rdi
    fninit
    pushq $0x1f80
    ldmxcsr (%rsp)
    addq $8, %rsp
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    ret

    .bss
    .balign 64
    .globl exc_fpu_area, syscall_fpu_area
exc_fpu_area:       .skip 8192
syscall_fpu_area:   .skip 8192
syscall_user_rsp:   .quad 0
    .balign 16
syscall_stack:      .skip 128 * 1024
syscall_stack_top:
