// Polled virtio-blk over legacy PCI (1af4:1001): one request in flight, a physically contiguous
// bounce buffer, no interrupts.
#pragma once
#include "lib/lib.h"

bool virtio_blk_init();  // finds and resets the first device; false if there is none
u64 virtio_blk_sectors();  // capacity in 512-byte sectors
// Read or write `count` sectors at `lba` to/from `buf` (any kernel or program address).
bool virtio_blk_read(u64 lba, u32 count, void* buf);
bool virtio_blk_write(u64 lba, u32 count, const void* buf);
bool virtio_blk_flush();
