// A fast channel for the program's stdout and stderr: two legacy virtio consoles (1af4:1003, one
// port each, no multiport), stdout on the first in PCI slot order and stderr on the second. Each
// write leaves as one buffer, which QEMU hands to its chardev at once (the serial ports move a
// byte per I/O exit).
#pragma once
#include "lib/lib.h"

bool virtio_console_init();  // true when both consoles are there
void virtio_console_write(int console, const char* s, usize n);  // 0: stdout, 1: stderr
