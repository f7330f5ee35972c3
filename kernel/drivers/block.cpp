#include "drivers/block.h"

#include "console.h"
#include "drivers/ata_pio.h"
#include "drivers/virtio_blk.h"

namespace {
bool use_virtio = false;
}

bool block_init() {
  if (virtio_blk_init()) {
    use_virtio = true;
    return true;
  }
  if (ata_init()) return true;
  kerror("no disk: neither virtio-blk (legacy PCI 1af4:1001) nor an IDE disk was found\n");
  return false;
}

u64 block_sectors() { return use_virtio ? virtio_blk_sectors() : ata_sectors(); }
bool block_read(u64 lba, u32 count, void* buf) {
  return use_virtio ? virtio_blk_read(lba, count, buf) : ata_read(lba, count, buf);
}
bool block_write(u64 lba, u32 count, const void* buf) {
  return use_virtio ? virtio_blk_write(lba, count, buf) : ata_write(lba, count, buf);
}
bool block_flush() { return use_virtio ? virtio_blk_flush() : ata_flush(); }
