// Polled ATA PIO (LBA48) on the legacy primary IDE channel: the disk of a plain
// `qemu-system-x86_64 -drive file=IMAGE` and of older PCs. 3-5 MB/s under TCG, so virtio-blk is
// preferred whenever it is present.
#pragma once
#include "lib/lib.h"

bool ata_init();
u64 ata_sectors();
bool ata_read(u64 lba, u32 count, void* buf);
bool ata_write(u64 lba, u32 count, const void* buf);
bool ata_flush();
