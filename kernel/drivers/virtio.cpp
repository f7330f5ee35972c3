#include "drivers/virtio.h"

#include "mm/memory.h"

namespace {

enum : u16 {
  kDeviceFeatures = 0x00, kGuestFeatures = 0x04, kQueueAddress = 0x08, kQueueSize = 0x0C,
  kQueueSelect = 0x0E, kQueueNotify = 0x10, kDeviceStatus = 0x12, kIsrStatus = 0x13,
};
enum : u8 { kAcknowledge = 1, kDriver = 2, kDriverOk = 4 };

u32 pci_read(u8 bus, u8 dev, u8 off) {
  outl(0xCF8, 0x80000000u | (bus << 16) | (dev << 11) | (off & 0xFC));
  return inl(0xCFC);
}
void pci_write(u8 bus, u8 dev, u8 off, u32 v) {
  outl(0xCF8, 0x80000000u | (bus << 16) | (dev << 11) | (off & 0xFC));
  outl(0xCFC, v);
}

}  // namespace

u16 virtio_find(u16 device_id, int nth) {
  for (int bus = 0; bus < 256; bus++)
    for (int dev = 0; dev < 32; dev++) {
      u32 id = pci_read(bus, dev, 0);
      if ((id & 0xFFFF) != 0x1AF4 || (id >> 16) != device_id || nth-- > 0) continue;
      u32 bar0 = pci_read(bus, dev, 0x10);
      if (!(bar0 & 1)) return 0;  // legacy devices expose an I/O BAR
      pci_write(bus, dev, 0x04, pci_read(bus, dev, 0x04) | 0x5);  // I/O space, bus master
      return (u16)(bar0 & 0xFFFC);
    }
  return 0;
}

u32 virtio_negotiate(u16 io, u32 wanted) {
  outb(io + kDeviceStatus, 0);
  outb(io + kDeviceStatus, kAcknowledge);
  outb(io + kDeviceStatus, kAcknowledge | kDriver);
  u32 features = inl(io + kDeviceFeatures) & wanted;
  outl(io + kGuestFeatures, features);
  return features;
}

bool virtio_queue_init(u16 io, u16 index, Virtqueue* q) {
  outw(io + kQueueSelect, index);
  u16 size = inw(io + kQueueSize);
  if (!size) return false;
  // Legacy layout: descriptors, available ring, then the used ring on the next 4 KiB boundary.
  u64 avail_off = 16UL * size;
  u64 used_off = align_up(avail_off + 6 + 2UL * size, 4096);
  u64 bytes = used_off + align_up(6 + 8UL * size, 4096);
  u64 ring = frame_alloc_contiguous(bytes);
  if (!ring) return false;
  memset(phys_to_virt(ring), 0, bytes);
  q->io = io;
  q->index = index;
  q->size = size;
  q->desc = (VirtqDesc*)phys_to_virt(ring);
  q->avail = (volatile u16*)phys_to_virt(ring + avail_off);
  q->used_idx = (volatile u16*)phys_to_virt(ring + used_off + 2);
  q->last_used = 0;
  outl(io + kQueueAddress, (u32)(ring >> 12));
  return true;
}

void virtio_ready(u16 io) { outb(io + kDeviceStatus, kAcknowledge | kDriver | kDriverOk); }

void Virtqueue::run() {
  u16 idx = avail[1];
  avail[2 + idx % size] = 0;
  compiler_barrier();
  avail[1] = idx + 1;
  compiler_barrier();
  outw(io + kQueueNotify, index);
  while (*used_idx == last_used) asm volatile("pause");
  last_used++;
  inb(io + kIsrStatus);  // acknowledge
}
