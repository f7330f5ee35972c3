// Entry points from the program into the kernel and the way back. The program runs in ring 0, so
// no entry switches stacks by itself: exceptions and interrupts arrive on IST stacks (the program's
// red zone lies below its stack pointer), and `syscall` switches to the thread's kernel stack at
// once. An entry from the program ends with a TrapFrame (trap.h) at the top of the thread's kernel
// stack, which is unused while the thread runs its program; the handler may then switch threads.
// The way back restores the frame and ends in iretq (sysret would land in ring 3).
#include "arch/x86_64/asm_offsets.h"

.macro PUSH_GPRS
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
.endm

.macro POP_GPRS
    popq %r15
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
.endm

// The program's SSE/AVX state to or from the current thread's area: xsave64/fxsave64 or
// xrstor64/fxrstor64. Clobbers rax, rdx, rdi.
.macro EXTENDED_STATE with_xsave, without_xsave
    movq %gs:CPU_XSAVE, %rdi
    movl $-1, %eax
    movl $-1, %edx
    cmpb $0, cpu_use_xsave(%rip)
    je 91f
    \with_xsave (%rdi)
    jmp 92f
91: \without_xsave (%rdi)
92:
.endm

    .text

// Exceptions 0-31: the CPU pushes an error code for some; the others push 0 to match.
.macro EXC vec, has_error
exc_stub_\vec:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vec
    jmp trap_common
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

// Interrupt vectors 32-255, one 16-byte stub each: irq_stubs + (vector - 32) * 16.
    .balign 16
    .globl irq_stubs
irq_stubs:
    .set vec, 32
    .rept 224
    .balign 16
    pushq $0
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

    .section .rodata
    .balign 8
    .globl exc_stub_table
exc_stub_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad exc_stub_\n
    .endr

    .text
// On an IST stack: vector, error code and the CPU's frame are pushed.
trap_common:
    PUSH_GPRS
    subq $16, %rsp
    movq $0, TF_GS_SWAPPED(%rsp)
    movq $0, 8(%rsp)
    // The program's GS base, unless it is already the kernel's (a kernel address).
    movl $0xC0000101, %ecx
    rdmsr
    testl %edx, %edx
    js 1f
    swapgs
    movq $1, TF_GS_SWAPPED(%rsp)
1:  cld                                  // the program may have left DF set
    movq TF_RIP(%rsp), %rax
    shrq $47, %rax
    jnz 2f
    // From the program: continue on the thread's kernel stack.
    movq %rsp, %rsi
    movq %gs:CPU_KSTACK_TOP, %rdi
    subq $(TF_WORDS * 8), %rdi
    movq %rdi, %rdx
    movl $TF_WORDS, %ecx
    rep movsq
    movq %rdx, %rsp
    EXTENDED_STATE xsave64, fxsave64
    movq %rsp, %rdi
    call trap_dispatch
    jmp return_to_program
    // From the kernel (a fault while touching the program's memory, an interrupt while idle):
    // handled on the IST stack, without switching threads.
2:  movq %rsp, %rdi
    call trap_dispatch
    jmp trap_exit

// `syscall`: RCX = return address, R11 = RFLAGS (IF is cleared by SFMASK), RSP is the program's.
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:CPU_SCRATCH
    movq %gs:CPU_KSTACK_TOP, %rsp
    pushq $KERNEL_DS
    pushq %gs:CPU_SCRATCH
    pushq %r11
    pushq $KERNEL_CS
    pushq %rcx
    pushq $0
    pushq $SYSCALL_VECTOR
    PUSH_GPRS
    pushq $0
    pushq $1                             // gs_swapped
    EXTENDED_STATE xsave64, fxsave64
    movq %rsp, %rdi
    call syscall_dispatch
    // fall through

// RSP = a TrapFrame at the top of the current thread's kernel stack.
    .globl return_to_program
return_to_program:
    EXTENDED_STATE xrstor64, fxrstor64
trap_exit:
    cmpq $0, TF_GS_SWAPPED(%rsp)
    je 3f
    swapgs
3:  addq $16, %rsp
    POP_GPRS
    addq $16, %rsp                       // vector, error code
    iretq

// context_switch(u64* save_rsp, u64 new_rsp): saves the callee-saved registers on this kernel
// stack, and resumes the other at its own context_switch (or at thread_first_run).
    .globl context_switch
context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

// A new thread's first switch lands here, above its TrapFrame.
    .globl thread_first_run
thread_first_run:
    call sched_thread_started
    jmp return_to_program
