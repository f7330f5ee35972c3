// The unikernel ELF, embedded so that `bareflow boot` needs no other file.
    .section .rodata
    .balign 16
    .globl bf_kernel_image, bf_kernel_image_end
bf_kernel_image:
    .incbin BF_KERNEL_ELF_PATH
bf_kernel_image_end:
    .section .note.GNU-stack, "", @progbits
