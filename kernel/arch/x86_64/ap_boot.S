// The other CPUs' first instructions. smp.cpp copies this code to kApBootPage (below 1 MiB, as a
// startup IPI requires) and fills in its last words; each CPU starts here in real mode with
// CS = kApBootPage >> 4, enables PAE, long mode and paging in one step (the page tables given
// map this page to itself), and jumps to smp.cpp's ap_main on the stack given.
#define AP_BOOT_PAGE 0x8000
#define AT(label) (AP_BOOT_PAGE + (label - ap_boot))

    .section .rodata
    .code16
    .globl ap_boot, ap_boot_end, ap_boot_cr3, ap_boot_stack, ap_boot_entry
ap_boot:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    lgdtl ap_boot_gdtr - ap_boot
    movl %cr4, %eax
    orl $0x20, %eax                          // PAE
    movl %eax, %cr4
    movl ap_boot_cr3 - ap_boot, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx                   // EFER: LME, NXE
    rdmsr
    orl $0x900, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax                    // PG | PE
    movl %eax, %cr0
    ljmpl $0x08, $AT(ap_boot_long)

    .code64
ap_boot_long:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movq AT(ap_boot_stack), %rsp
    movq AT(ap_boot_entry), %rax
    jmpq *%rax

    .balign 8
ap_boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF                 // 0x08: 64-bit code
    .quad 0x00CF92000000FFFF                 // 0x10: data
ap_boot_gdtr:
    .short ap_boot_gdtr - ap_boot_gdt - 1
    .long AT(ap_boot_gdt)
    .balign 8
ap_boot_cr3:   .quad 0
ap_boot_stack: .quad 0
ap_boot_entry: .quad 0
ap_boot_end:
