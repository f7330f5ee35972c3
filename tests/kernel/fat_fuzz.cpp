// libFuzzer target for the kernel's FAT32 code, built for the host. Each input is a list of
// (offset, byte) edits applied to a small valid FAT32 disk built below, so every run starts from a
// real file system and explores its corruptions: mount, walk every directory, read every file,
// then create, write, truncate, rename, delete and mkdir. Nothing may crash, hang or overflow.
#include "fs/fat32.h"

extern "C" void* calloc(unsigned long, unsigned long);
extern "C" void free(void*);

namespace {

constexpr u32 kSectors = 64;
alignas(16) u8 disk[kSectors * 512];
void* allocations[16];
int n_allocations = 0;

void put16(u32 off, u16 v) { memcpy(disk + off, &v, 2); }
void put32(u32 off, u32 v) { memcpy(disk + off, &v, 4); }

void dir_entry(u32 off, const char* name11, u8 attr, u32 cluster, u32 size) {
  memcpy(disk + off, name11, 11);
  disk[off + 11] = attr;
  put16(off + 20, (u16)(cluster >> 16));
  put16(off + 26, (u16)cluster);
  put32(off + 28, size);
}

void lfn_entry(u32 off, u8 order, u8 sum, const char* part, bool last) {
  // 13 characters: 5 at 1, 6 at 14, 2 at 28; NUL then 0xFFFF after the end of the name.
  static const u8 slots[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
  disk[off] = order | (last ? 0x40 : 0);
  disk[off + 11] = 0x0F;
  disk[off + 13] = sum;
  bool ended = false;
  for (int i = 0; i < 13; i++) {
    u16 c = ended ? 0xFFFF : (u8)part[i];
    if (!ended && !part[i]) ended = true;
    put16(off + slots[i], c);
  }
}

u8 checksum(const char* n) {
  u8 s = 0;
  for (int i = 0; i < 11; i++) s = (u8)(((s & 1) << 7) + (s >> 1) + (u8)n[i]);
  return s;
}

// 64 sectors: boot sector, FSInfo, two one-sector FATs, then clusters of one sector from 2.
void make_disk() {
  memset(disk, 0, sizeof disk);
  memcpy(disk, "\xEB\x58\x90" "BAREFLOW", 11);
  put16(11, 512);
  disk[13] = 1;      // sectors per cluster
  put16(14, 2);      // reserved sectors
  disk[16] = 2;      // FATs
  disk[21] = 0xF8;
  put32(32, kSectors);
  put32(36, 1);      // sectors per FAT
  put32(44, 2);      // root cluster
  put16(48, 1);      // FSInfo sector
  put16(510, 0xAA55);
  put32(512, 0x41615252);
  put32(512 + 484, 0x61417272);
  put32(512 + 488, 60 - 5);
  put32(512 + 492, 7);
  put32(512 + 508, 0xAA550000);
  const u32 fat[] = {0x0FFFFFF8, 0x0FFFFFFF, 0x0FFFFFFF, 4, 0x0FFFFFFF, 0x0FFFFFFF, 0x0FFFFFFF};
  for (u32 copy = 0; copy < 2; copy++) memcpy(disk + (2 + copy) * 512, fat, sizeof fat);
  const u32 root = 4 * 512;
  const char* sfn = "HELLOW~1TXT";
  lfn_entry(root, 2, checksum(sfn), "xt", true);
  lfn_entry(root + 32, 1, checksum(sfn), "hello world.t", false);
  dir_entry(root + 64, sfn, 0x20, 3, 700);
  dir_entry(root + 96, "SUB        ", 0x10, 5, 0);
  for (u32 i = 0; i < 700; i++) disk[5 * 512 + i] = (u8)(i * 7);  // clusters 3, 4
  const u32 sub = 7 * 512;                                          // cluster 5
  dir_entry(sub, ".          ", 0x10, 5, 0);
  dir_entry(sub + 32, "..         ", 0x10, 0, 0);
  dir_entry(sub + 64, "A       BIN", 0x20, 6, 10);
  memcpy(disk + 8 * 512, "0123456789", 10);  // cluster 6
}

void walk(FatNode& dir, int depth) {
  u64 cookie = 0;
  char name[256];
  FatNode child;
  static u8 buf[70000];
  for (int i = 0; i < 80 && fat_readdir(dir, &cookie, name, sizeof name, &child) == 1; i++) {
    if (child.is_dir()) {
      if (depth < 3) walk(child, depth + 1);
    } else {
      fat_read(child, 0, buf, sizeof buf);
      fat_read(child, 511, buf, 3);
    }
  }
}

}  // namespace

// The kernel services fat32.cpp needs, over the in-memory disk.
bool block_read(u64 lba, u32 count, void* buf) {
  if (lba + count > kSectors) return false;
  memcpy(buf, disk + lba * 512, (u64)count * 512);
  return true;
}
bool block_write(u64 lba, u32 count, const void* buf) {
  if (lba + count > kSectors) return false;
  memcpy(disk + lba * 512, buf, (u64)count * 512);
  return true;
}
bool block_flush() { return true; }
u64 block_sectors() { return kSectors; }
void* kalloc(u64 bytes) {
  void* p = calloc(1, bytes);
  if (n_allocations < 16) allocations[n_allocations++] = p;
  return p;
}
void klog(const char*, ...) {}
void kerror(const char*, ...) {}
u64 time_realtime_ns() { return 1700000000UL * 1000000000UL; }
void time_to_dos(u64, u16* date, u16* time) { *date = 0x5821, *time = 0; }

extern "C" int LLVMFuzzerTestOneInput(const u8* data, usize size) {
  for (int i = 0; i < n_allocations; i++) free(allocations[i]);
  n_allocations = 0;
  make_disk();
  for (usize i = 0; i + 3 <= size; i += 3) disk[(data[i] | (data[i + 1] << 8)) % sizeof disk] = data[i + 2];
  if (fat_mount()) return 0;
  FatNode root, f, d;
  if (fat_lookup("/", &root) == 0) walk(root, 0);
  static u8 bytes[1500];
  for (u32 i = 0; i < sizeof bytes; i++) bytes[i] = (u8)i;
  if (fat_create("/new file with a long name.txt", false, &f) == 0) {
    fat_write(f, 0, bytes, sizeof bytes);
    fat_write(f, 3000, bytes, 10);
    fat_commit(f);
    fat_truncate(f, 100);
    fat_commit(f);
    fat_rename("/new file with a long name.txt", "/sub/moved.txt");
  }
  if (fat_lookup("/hello world.txt", &f) == 0) {
    fat_write(f, 650, bytes, 600);
    fat_commit(f);
  }
  fat_unlink("/hello world.txt", false);
  if (fat_create("/dir", true, &d) == 0) fat_unlink("/dir", true);
  fat_unlink("/sub", true);
  if (fat_lookup("/", &root) == 0) walk(root, 0);
  return 0;
}
