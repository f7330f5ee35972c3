#include "drivers/virtio_blk.h"

#include "console.h"
#include "mm/memory.h"

namespace {

// Legacy virtio PCI register offsets (I/O BAR 0).
enum : u16 {
  kDeviceFeatures = 0x00, kGuestFeatures = 0x04, kQueueAddress = 0x08, kQueueSize = 0x0C,
  kQueueSelect = 0x0E, kQueueNotify = 0x10, kDeviceStatus = 0x12, kIsrStatus = 0x13, kConfig = 0x14,
};
enum : u8 { kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFailed = 128 };
constexpr u32 kFeatureFlush = 1u << 9;
enum : u32 { kTypeIn = 0, kTypeOut = 1, kTypeFlush = 4 };
enum : u16 { kDescNext = 1, kDescWrite = 2 };

struct PACKED Desc {
  u64 addr;
  u32 len;
  u16 flags, next;
};
static_assert(sizeof(Desc) == 16);
struct PACKED RequestHeader {
  u32 type, reserved;
  u64 sector;
};
static_assert(sizeof(RequestHeader) == 16);
struct PACKED UsedElem {
  u32 id, len;
};

constexpr u32 kBounceBytes = 512 * 1024;
u16 io_base = 0;
u16 queue_size = 0;
Desc* desc = nullptr;
volatile u16* avail = nullptr;  // flags, idx, ring[size]
volatile u16* used_idx = nullptr;
u16 last_used = 0;
RequestHeader* header = nullptr;
volatile u8* status_byte = nullptr;
u8* bounce = nullptr;
u64 capacity = 0;
bool can_flush = false;

u32 pci_read(u8 bus, u8 dev, u8 fn, u8 off) {
  outl(0xCF8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (off & 0xFC));
  return inl(0xCFC);
}
void pci_write(u8 bus, u8 dev, u8 fn, u8 off, u32 v) {
  outl(0xCF8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (off & 0xFC));
  outl(0xCFC, v);
}

bool find_device(u8* b, u8* d) {
  for (int bus = 0; bus < 256; bus++)
    for (int dev = 0; dev < 32; dev++) {
      u32 id = pci_read(bus, dev, 0, 0);
      if ((id & 0xFFFF) == 0x1AF4 && (id >> 16) == 0x1001) {
        *b = bus, *d = dev;
        return true;
      }
    }
  return false;
}

// One request: header, optional data, status byte. Polls until the device is done.
bool submit(u32 type, u64 sector, u32 bytes) {
  header->type = type;
  header->reserved = 0;
  header->sector = sector;
  *status_byte = 0xFF;
  desc[0] = {virt_to_phys_direct(header), sizeof(RequestHeader), kDescNext, 1};
  u16 status_desc = 1;
  if (bytes) {
    desc[1] = {virt_to_phys_direct(bounce), bytes, (u16)(kDescNext | (type == kTypeIn ? kDescWrite : 0)), 2};
    status_desc = 2;
  }
  desc[status_desc] = {virt_to_phys_direct((const void*)status_byte), 1, kDescWrite, 0};
  u16 idx = avail[1];
  avail[2 + idx % queue_size] = 0;
  compiler_barrier();
  avail[1] = idx + 1;
  compiler_barrier();
  outw(io_base + kQueueNotify, 0);
  while (*used_idx == last_used) asm volatile("pause");
  last_used++;
  inb(io_base + kIsrStatus);  // acknowledge
  return *status_byte == 0;
}

}  // namespace

bool virtio_blk_init() {
  u8 bus, dev;
  if (!find_device(&bus, &dev)) return false;
  u32 bar0 = pci_read(bus, dev, 0, 0x10);
  if (!(bar0 & 1)) return false;  // legacy devices expose an I/O BAR
  io_base = bar0 & 0xFFFC;
  pci_write(bus, dev, 0, 0x04, pci_read(bus, dev, 0, 0x04) | 0x5);  // I/O space, bus master
  outb(io_base + kDeviceStatus, 0);
  outb(io_base + kDeviceStatus, kAcknowledge);
  outb(io_base + kDeviceStatus, kAcknowledge | kDriver);
  u32 features = inl(io_base + kDeviceFeatures);
  can_flush = features & kFeatureFlush;
  outl(io_base + kGuestFeatures, features & kFeatureFlush);
  outw(io_base + kQueueSelect, 0);
  queue_size = inw(io_base + kQueueSize);
  if (!queue_size) return false;
  // Legacy layout: descriptors, available ring, then the used ring on the next 4 KiB boundary.
  u64 avail_off = 16UL * queue_size;
  u64 used_off = align_up(avail_off + 6 + 2UL * queue_size, 4096);
  u64 bytes = used_off + align_up(6 + 8UL * queue_size, 4096);
  u64 ring = frame_alloc_contiguous(bytes);
  u64 bounce_phys = frame_alloc_contiguous(kBounceBytes + 4096);
  if (!ring || !bounce_phys) return false;
  memset(phys_to_virt(ring), 0, bytes);
  desc = (Desc*)phys_to_virt(ring);
  avail = (volatile u16*)phys_to_virt(ring + avail_off);
  used_idx = (volatile u16*)phys_to_virt(ring + used_off + 2);
  bounce = (u8*)phys_to_virt(bounce_phys);
  header = (RequestHeader*)(bounce + kBounceBytes);
  status_byte = (volatile u8*)(bounce + kBounceBytes + 64);
  outl(io_base + kQueueAddress, (u32)(ring >> 12));
  outb(io_base + kDeviceStatus, kAcknowledge | kDriver | kDriverOk);
  capacity = (u64)inl(io_base + kConfig) | ((u64)inl(io_base + kConfig + 4) << 32);
  klog("virtio-blk: io %x, queue %u, %lu sectors%s\n", io_base, queue_size, capacity,
       can_flush ? ", flush" : "");
  return true;
}

u64 virtio_blk_sectors() { return capacity; }

bool virtio_blk_read(u64 lba, u32 count, void* buf) {
  u8* out = (u8*)buf;
  while (count) {
    u32 n = min_of(count, kBounceBytes / 512);
    if (lba + n > capacity || !submit(kTypeIn, lba, n * 512)) return false;
    memcpy(out, bounce, n * 512);
    out += n * 512, lba += n, count -= n;
  }
  return true;
}

bool virtio_blk_write(u64 lba, u32 count, const void* buf) {
  const u8* in = (const u8*)buf;
  while (count) {
    u32 n = min_of(count, kBounceBytes / 512);
    memcpy(bounce, in, n * 512);
    if (lba + n > capacity || !submit(kTypeOut, lba, n * 512)) return false;
    in += n * 512, lba += n, count -= n;
  }
  return true;
}

bool virtio_blk_flush() { return !can_flush || submit(kTypeFlush, 0, 0); }
