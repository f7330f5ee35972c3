// Console. The program's stdout and stderr (with the kernel's messages for the user) go to two
// virtio consoles when the machine has them (`bareflow boot`), else to COM1 and COM2, mirrored on
// the VGA text screen (the console of a real PC). COM3 carries the kernel log and the final
// "bareflow-exit: N" record that the host reads.
#pragma once
#include "lib/lib.h"

enum class Channel { Stdout, Stderr, Log };

void console_init();
void console_use_virtio();  // after PCI is reachable: switch stdout and stderr if the consoles exist
void console_write(Channel ch, const char* s, usize n);
// Kernel log (COM3 only; `bareflow boot --verbose` shows it).
void klog(const char* fmt, ...);
// A message for the user: COM2 (stderr) and the log, prefixed "bareflow-kernel: ".
void kerror(const char* fmt, ...);
extern bool console_verbose;  // also copy the log to stderr (kernel option `verbose`)
