// Boot: the multiboot2 header (GRUB) and the PVH note (QEMU -kernel) both lead to 32-bit
// protected mode without paging. Build page tables that map the first 4 GiB three times
// (identity for the switch, a direct map at 0xFFFF800000000000, the kernel image at the top
// 2 GiB), enter long mode and jump to the higher half. There is deliberately no multiboot1
// header: QEMU tries it before PVH and refuses ELF64 kernels that carry one.

#define KERNEL_VMA 0xFFFFFFFF80000000
#define PHYS(sym) ((sym) - KERNEL_VMA)

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long 0xe85250d6                         // magic
    .long 0                                  // i386 protected mode
    .long mb2_header_end - mb2_header
    .long -(0xe85250d6 + (mb2_header_end - mb2_header))
    .balign 8
    .short 3, 0                              // entry address tag
    .long 12
    .long mb2_entry
    .balign 8
    .short 0, 0                              // end tag
    .long 8
mb2_header_end:

    .section .note.Xen, "a", @note
    .balign 4
    .long 4                                  // name size
    .long 4                                  // descriptor size
    .long 18                                 // XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long pvh_entry

    .section .boot.data, "aw"
    .balign 8
    .globl boot_protocol, boot_info_phys
boot_protocol:  .long 0                      // 1 = PVH, 2 = multiboot2
boot_info_phys: .long 0
gdt32:
    .quad 0
    .quad 0x00AF9A000000FFFF                 // 0x08: 64-bit code
    .quad 0x00CF92000000FFFF                 // 0x10: data
gdt32_end:
gdt32_ptr:
    .short gdt32_end - gdt32 - 1
    .long gdt32

    .section .boot.text, "ax"
    .code32
    .globl pvh_entry, mb2_entry
pvh_entry:
    movl $1, boot_protocol
    movl %ebx, boot_info_phys
    jmp common32
mb2_entry:
    movl $2, boot_protocol
    movl %ebx, boot_info_phys
common32:
    cli
    cld
    // Zero the tables (PML4, PDPT, PDPT for the top, four page directories).
    movl $PHYS(boot_pml4), %edi
    xorl %eax, %eax
    movl $(7 * 4096 / 4), %ecx
    rep stosl
    // Four page directories of 2 MiB pages: 0..4 GiB.
    movl $PHYS(boot_pd), %edi
    movl $0x83, %eax                         // present, writable, 2 MiB
    xorl %edx, %edx
    movl $2048, %ecx
1:  movl %eax, (%edi)
    movl %edx, 4(%edi)
    addl $0x200000, %eax
    adcl $0, %edx
    addl $8, %edi
    loop 1b
    // PDPT: entries 0..3 -> the four directories.
    movl $PHYS(boot_pdpt), %edi
    movl $(PHYS(boot_pd) + 3), %eax
    movl $4, %ecx
2:  movl %eax, (%edi)
    addl $4096, %eax
    addl $8, %edi
    loop 2b
    // Top PDPT: entries 510, 511 -> the first two GiB (kernel image at -2 GiB).
    movl $(PHYS(boot_pd) + 3), %eax
    movl %eax, PHYS(boot_pdpt_top) + 510 * 8
    addl $4096, %eax
    movl %eax, PHYS(boot_pdpt_top) + 511 * 8
    // PML4: 0 (identity), 256 (direct map), 511 (kernel).
    movl $(PHYS(boot_pdpt) + 3), %eax
    movl %eax, PHYS(boot_pml4)
    movl %eax, PHYS(boot_pml4) + 256 * 8
    movl $(PHYS(boot_pdpt_top) + 3), %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8

    movl %cr4, %eax
    orl $0x20, %eax                          // PAE
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx                   // EFER.LME
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax                    // PG | PE
    movl %eax, %cr0
    lgdt gdt32_ptr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $higher_half, %rax
    jmp *%rax

    .text
higher_half:
    movabsq $kernel_stack_top, %rsp
    xorl %ebp, %ebp
    movl boot_protocol, %edi
    movl boot_info_phys, %esi
    call kernel_main
3:  hlt
    jmp 3b

    .bss
    .balign 4096
    .globl boot_pml4, boot_pdpt
boot_pml4:      .skip 4096
boot_pdpt:      .skip 4096
boot_pdpt_top:  .skip 4096
boot_pd:        .skip 4 * 4096
    .balign 16
    .globl kernel_stack_top
kernel_stack:   .skip 64 * 1024
kernel_stack_top:
