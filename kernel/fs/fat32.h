// FAT32 with long names on the boot disk: read, create, grow, overwrite, truncate, delete,
// rename, mkdir. The FAT lives in memory; a file's new clusters reach the disk's FAT (both copies,
// and the FSInfo free count) only when that file is committed (fsync, close), and directory
// changes are written at once, so a program killed mid-write leaves every file as it was at its
// last commit. fat_truncate must be followed by fat_commit before other files are committed.
#pragma once
#include "fs/fat_layout.h"

struct FatNode {
  u32 first_cluster = 0;
  u32 size = 0;
  u8 attr = 0;
  bool is_root = false;
  bool dirty = false;   // size or first cluster changed since the last commit
  u64 dirent_lba = 0;   // where the 8.3 entry lives (not for the root)
  u16 dirent_off = 0;
  u32 cache_index = 0, cache_cluster = 0;  // last (index -> cluster) step, for sequential access
  u16 mdate = 0, mtime = 0;
  bool is_dir() const { return is_root || (attr & kAttrDir); }
};

// Errors are negative Linux errno values (lib/errno.h).
int fat_mount();  // 0, or -EIO with a message already printed
int fat_lookup(const char* path, FatNode* out);
int fat_create(const char* path, bool directory, FatNode* out);  // -EEXIST if present
isize fat_read(FatNode& n, u64 off, void* buf, u64 len);
isize fat_write(FatNode& n, u64 off, const void* buf, u64 len);
int fat_truncate(FatNode& n, u64 size);
int fat_commit(FatNode& n);  // FAT, FSInfo, directory entry, device flush
int fat_set_mtime(FatNode& n, u64 unix_seconds);  // written at once (not for the root)
// Removes the entry; the clusters are freed too unless `keep_clusters` (the file is still open:
// its last close frees them).
int fat_unlink(const char* path, bool directory, bool keep_clusters = false);
// Moves an entry; *moved_from / *moved_to (when given) say where its 8.3 entry was and now is,
// so open files can follow it.
int fat_rename(const char* from, const char* to, FatNode* moved_from = nullptr, FatNode* moved_to = nullptr);
// Directory listing: *cookie starts at 0; returns 1 with the next entry, 0 at the end. The cookie
// is a position in the directory, so deleting listed entries does not make the walk skip others.
int fat_readdir(FatNode& dir, u64* cookie, char* name, usize cap, FatNode* child);
u64 fat_cluster_bytes();
void fat_usage(u64* clusters, u64* free);  // the data area, in clusters
