#include "console.h"

#include "drivers/virtio_console.h"
#include "journal.h"

bool console_verbose = false;

namespace {

constexpr u16 kCom1 = 0x3F8, kCom2 = 0x2F8, kCom3 = 0x3E8;
constexpr uptr kVgaText = 0xFFFF8000000B8000;  // through the direct map
constexpr int kCols = 80, kRows = 25;
int vga_row = 0, vga_col = 0;
bool virtio = false;

void serial_init(u16 port) {
  outb(port + 1, 0x00);  // no interrupts
  outb(port + 3, 0x80);  // DLAB
  outb(port + 0, 0x01);  // 115200 baud
  outb(port + 1, 0x00);
  outb(port + 3, 0x03);  // 8N1
  outb(port + 2, 0xC7);  // FIFO on
  outb(port + 4, 0x03);  // DTR, RTS
}

void serial_put(u16 port, const char* s, usize n) {
  for (usize i = 0; i < n; i++) {
    for (int spin = 0; spin < 100000 && !(inb(port + 5) & 0x20); spin++) {
    }
    outb(port, (u8)s[i]);
  }
}

void vga_put(const char* s, usize n) {
  volatile u16* screen = (volatile u16*)kVgaText;
  for (usize i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\n') {
      vga_col = 0;
      vga_row++;
    } else if (c == '\r') {
      vga_col = 0;
    } else {
      screen[vga_row * kCols + vga_col] = (u16)(u8)c | 0x0700;
      if (++vga_col == kCols) vga_col = 0, vga_row++;
    }
    if (vga_row == kRows) {
      for (int j = 0; j < (kRows - 1) * kCols; j++) screen[j] = screen[j + kCols];
      for (int j = 0; j < kCols; j++) screen[(kRows - 1) * kCols + j] = 0x0720;
      vga_row = kRows - 1;
    }
  }
}

struct ConsoleSink final : FormatSink {
  Channel ch;
  explicit ConsoleSink(Channel c) : ch(c) {}
  void put(const char* s, usize n) override { console_write(ch, s, n); }
};

}  // namespace

void console_init() {
  serial_init(kCom1);
  serial_init(kCom2);
  serial_init(kCom3);
  volatile u16* screen = (volatile u16*)kVgaText;
  for (int i = 0; i < kCols * kRows; i++) screen[i] = 0x0720;
}

void console_use_virtio() { virtio = virtio_console_init(); }

void console_write(Channel ch, const char* s, usize n) {
  journal_output(ch, s, n);
  switch (ch) {
    case Channel::Stdout:
      if (virtio) return virtio_console_write(0, s, n);
      serial_put(kCom1, s, n);
      vga_put(s, n);
      break;
    case Channel::Stderr:
      if (virtio) return virtio_console_write(1, s, n);
      serial_put(kCom2, s, n);
      vga_put(s, n);
      break;
    case Channel::Log:
      serial_put(kCom3, s, n);
      if (console_verbose) console_write(Channel::Stderr, s, n);
      break;
  }
}

void klog(const char* fmt, ...) {
  ConsoleSink sink(Channel::Log);
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  format_to(sink, fmt, ap);
  __builtin_va_end(ap);
}

void kerror(const char* fmt, ...) {
  char buf[512];
  usize n = snprint(buf, sizeof buf, "bareflow-kernel: ");
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  struct Sink final : FormatSink {
    char* b;
    usize cap, len;
    void put(const char* s, usize k) override {
      for (usize i = 0; i < k; i++)
        if (len + 1 < cap) b[len++] = s[i];
    }
  } sink;
  sink.b = buf;
  sink.cap = sizeof buf;
  sink.len = n;
  format_to(sink, fmt, ap);
  __builtin_va_end(ap);
  console_write(Channel::Stderr, buf, sink.len);
  serial_put(kCom3, buf, sink.len);
}
