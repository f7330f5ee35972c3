#include "drivers/virtio_blk.h"

#include "drivers/virtio.h"

#include "console.h"
#include "mm/memory.h"

namespace {

constexpr u16 kBlkDevice = 0x1001;
constexpr u32 kFeatureFlush = 1u << 9;
enum : u32 { kTypeIn = 0, kTypeOut = 1, kTypeFlush = 4 };

struct PACKED RequestHeader {
  u32 type, reserved;
  u64 sector;
};
static_assert(sizeof(RequestHeader) == 16);

constexpr u32 kBounceBytes = 512 * 1024;
Virtqueue queue;
RequestHeader* header = nullptr;
volatile u8* status_byte = nullptr;
u8* bounce = nullptr;
u64 capacity = 0;
bool can_flush = false;

// One request: header, optional data, status byte. Polls until the device is done.
bool submit(u32 type, u64 sector, u32 bytes) {
  header->type = type;
  header->reserved = 0;
  header->sector = sector;
  *status_byte = 0xFF;
  VirtqDesc* desc = queue.desc;
  desc[0] = {virt_to_phys_direct(header), sizeof(RequestHeader), kVirtqDescNext, 1};
  u16 status_desc = 1;
  if (bytes) {
    desc[1] = {virt_to_phys_direct(bounce), bytes, (u16)(kVirtqDescNext | (type == kTypeIn ? kVirtqDescWrite : 0)), 2};
    status_desc = 2;
  }
  desc[status_desc] = {virt_to_phys_direct((const void*)status_byte), 1, kVirtqDescWrite, 0};
  queue.run();
  return *status_byte == 0;
}

}  // namespace

bool virtio_blk_init() {
  u16 io = virtio_find(kBlkDevice, 0);
  if (!io) return false;
  can_flush = virtio_negotiate(io, kFeatureFlush) & kFeatureFlush;
  u64 bounce_phys = frame_alloc_contiguous(kBounceBytes + 4096);
  if (!virtio_queue_init(io, 0, &queue) || !bounce_phys) return false;
  bounce = (u8*)phys_to_virt(bounce_phys);
  header = (RequestHeader*)(bounce + kBounceBytes);
  status_byte = (volatile u8*)(bounce + kBounceBytes + 64);
  virtio_ready(io);
  capacity = (u64)inl(io + kVirtioConfig) | ((u64)inl(io + kVirtioConfig + 4) << 32);
  klog("virtio-blk: io %x, queue %u, %lu sectors%s\n", io, queue.size, capacity, can_flush ? ", flush" : "");
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
