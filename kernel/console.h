// Console: three serial ports and the VGA text screen.
//   COM1 carries the program's stdout, COM2 its stderr and the kernel's messages for the user,
//   COM3 the kernel log and the final "bareflow-exit: N" record that the host reads.
// Everything written to COM1/COM2 is mirrored on the VGA text screen (the console of a real PC).
#pragma once
#include "lib/lib.h"

enum class Channel { Stdout, Stderr, Log };

void console_init();
void console_write(Channel ch, const char* s, usize n);
// Kernel log (COM3 only; `bareflow boot --verbose` shows it).
void klog(const char* fmt, ...);
// A message for the user: COM2 (stderr) and the log, prefixed "bareflow-kernel: ".
void kerror(const char* fmt, ...);
extern bool console_verbose;  // also copy the log to stderr (kernel option `verbose`)
