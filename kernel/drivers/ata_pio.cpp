#include "drivers/ata_pio.h"

#include "console.h"

namespace {

constexpr u16 kBase = 0x1F0, kControl = 0x3F6;
enum : u16 { kData = 0, kSectorCount = 2, kLbaLow = 3, kLbaMid = 4, kLbaHigh = 5, kDrive = 6, kCommand = 7, kStatus = 7 };
enum : u8 { kBusy = 0x80, kReady = 0x40, kFault = 0x20, kDrq = 0x08, kError = 0x01 };
u64 capacity = 0;

bool wait_ready(bool want_drq) {
  for (u32 spin = 0; spin < 50000000; spin++) {
    u8 s = inb(kBase + kStatus);
    if (s == 0xFF) return false;  // no controller
    if (s & kBusy) continue;
    if (s & (kError | kFault)) return false;
    if (!want_drq || (s & kDrq)) return true;
  }
  return false;
}

bool command(u8 cmd, u64 lba, u16 count) {
  if (!wait_ready(false)) return false;
  outb(kBase + kDrive, 0x40);  // master, LBA
  outb(kBase + kSectorCount, (u8)(count >> 8));
  outb(kBase + kLbaLow, (u8)(lba >> 24));
  outb(kBase + kLbaMid, (u8)(lba >> 32));
  outb(kBase + kLbaHigh, (u8)(lba >> 40));
  outb(kBase + kSectorCount, (u8)count);
  outb(kBase + kLbaLow, (u8)lba);
  outb(kBase + kLbaMid, (u8)(lba >> 8));
  outb(kBase + kLbaHigh, (u8)(lba >> 16));
  outb(kBase + kCommand, cmd);
  return true;
}

}  // namespace

bool ata_init() {
  if (inb(kBase + kStatus) == 0xFF) return false;
  outb(kControl, 0x02);  // no interrupts
  outb(kBase + kDrive, 0xA0);
  outb(kBase + kSectorCount, 0);
  outb(kBase + kLbaLow, 0);
  outb(kBase + kLbaMid, 0);
  outb(kBase + kLbaHigh, 0);
  outb(kBase + kCommand, 0xEC);  // IDENTIFY
  if (inb(kBase + kStatus) == 0) return false;
  if (inb(kBase + kLbaMid) || inb(kBase + kLbaHigh)) return false;  // ATAPI or SATA signature
  if (!wait_ready(true)) return false;
  u16 id[256];
  for (int i = 0; i < 256; i++) id[i] = inw(kBase + kData);
  if (!(id[83] & (1 << 10))) return false;  // LBA48 needed
  capacity = (u64)id[100] | ((u64)id[101] << 16) | ((u64)id[102] << 32) | ((u64)id[103] << 48);
  klog("ata: primary master, %lu sectors\n", capacity);
  return capacity != 0;
}

u64 ata_sectors() { return capacity; }

bool ata_read(u64 lba, u32 count, void* buf) {
  u16* out = (u16*)buf;
  while (count) {
    u16 n = (u16)min_of(count, 256u);
    if (lba + n > capacity || !command(0x24, lba, n)) return false;  // READ SECTORS EXT
    for (u16 s = 0; s < n; s++) {
      if (!wait_ready(true)) return false;
      for (int i = 0; i < 256; i++) *out++ = inw(kBase + kData);
    }
    lba += n, count -= n;
  }
  return true;
}

bool ata_write(u64 lba, u32 count, const void* buf) {
  const u16* in = (const u16*)buf;
  while (count) {
    u16 n = (u16)min_of(count, 256u);
    if (lba + n > capacity || !command(0x34, lba, n)) return false;  // WRITE SECTORS EXT
    for (u16 s = 0; s < n; s++) {
      if (!wait_ready(true)) return false;
      for (int i = 0; i < 256; i++) outw(kBase + kData, *in++);
    }
    if (!wait_ready(false)) return false;
    lba += n, count -= n;
  }
  return true;
}

bool ata_flush() {
  if (!wait_ready(false)) return false;
  outb(kBase + kDrive, 0x40);
  outb(kBase + kCommand, 0xEA);  // FLUSH CACHE EXT
  return wait_ready(false);
}
