// The boot disk: virtio-blk when present, else the primary IDE disk (ATA PIO).
#pragma once
#include "lib/lib.h"

bool block_init();  // false (with a message) if there is no disk
u64 block_sectors();
bool block_read(u64 lba, u32 count, void* buf);
bool block_write(u64 lba, u32 count, const void* buf);
bool block_flush();
