// libFuzzer target for the kernel's FAT32 code, built for the host. Each input is a list of
// (offset, byte) edits applied to the small valid FAT32 disk of fat_fuzz_disk.h, so every run
// starts from a real file system and explores its corruptions: mount, walk every directory, read
// every file, then create, write, truncate, rename, delete and mkdir. Nothing may crash, hang or
// overflow. The inputs in regressions/fat are run once each by CTest.
#include "fat_fuzz_disk.h"
#include "fs/fat32.h"

extern "C" void* calloc(unsigned long, unsigned long);
extern "C" void free(void*);

namespace {

using fuzz_disk::kSectors;
alignas(16) u8 disk[fuzz_disk::kBytes];
void* allocations[16];
int n_allocations = 0;

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
  memcpy(buf, disk + lba * kFatSectorSize, (u64)count * kFatSectorSize);
  return true;
}
bool block_write(u64 lba, u32 count, const void* buf) {
  if (lba + count > kSectors) return false;
  memcpy(disk + lba * kFatSectorSize, buf, (u64)count * kFatSectorSize);
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
  fuzz_disk::make(disk);
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
