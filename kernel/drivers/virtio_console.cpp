#include "drivers/virtio_console.h"

#include "console.h"
#include "drivers/virtio.h"
#include "mm/memory.h"

namespace {

constexpr u16 kConsoleDevice = 0x1003;
constexpr u32 kFeatureMultiport = 1u << 1;
// Queues: port 0's receiveq 0 and transmitq 1, the control queues 2 and 3, then two per port.
constexpr u16 transmit_queue(int port) { return (u16)(2 * port + 3); }
constexpr u32 kBufferBytes = 64 * 1024;

struct Console {
  Virtqueue tx;
  u8* buffer = nullptr;
};
Console consoles[2];

}  // namespace

bool virtio_console_init() {
  u16 io = virtio_find(kConsoleDevice, 0);
  if (!io || !(virtio_negotiate(io, kFeatureMultiport) & kFeatureMultiport)) return false;
  for (int i = 0; i < 2; i++) {
    u64 buffer = frame_alloc_contiguous(kBufferBytes);
    if (!buffer || !virtio_queue_init(io, transmit_queue(i + 1), &consoles[i].tx)) return false;
    consoles[i].buffer = (u8*)phys_to_virt(buffer);
  }
  virtio_ready(io);
  klog("virtio-serial: io %x, stdout on port 1, stderr on port 2\n", io);
  return true;
}

void virtio_console_write(int i, const char* s, usize n) {
  Console& c = consoles[i];
  while (n) {
    u32 k = (u32)min_of(n, (usize)kBufferBytes);
    memcpy(c.buffer, s, k);
    c.tx.desc[0] = {virt_to_phys_direct(c.buffer), k, 0, 0};
    c.tx.run();
    s += k, n -= k;
  }
}
