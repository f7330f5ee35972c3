#include "fs/fat32.h"

#include "console.h"
#include "drivers/block.h"
#include "fs/fat_layout.h"
#include "lib/errno.h"
#include "mm/memory.h"
#include "time.h"

namespace {

constexpr int kMaxLfnSlots = 20;  // 255 characters, 13 to a piece

u64 fat_lba, data_lba;
u32 fat_sectors, spc, cluster_bytes, n_clusters, root_cluster;
u8 num_fats;
u64 fsinfo_lba = 0;
u32* fat = nullptr;
u32* fat_disk = nullptr;  // the FAT as on disk: only committed chains reach it
u8* fat_dirty = nullptr;   // per sector of fat_disk
u32 free_clusters = 0, free_on_disk = 0, next_free = kFatFirstCluster;
u8* cluster_buf = nullptr;
alignas(16) u8 sector_buf[kFatSectorSize];
alignas(16) u8 zero_page[4096];
bool reported_corruption = false;

u64 cluster_lba(u32 c) { return data_lba + (u64)(c - kFatFirstCluster) * spc; }
bool valid_cluster(u32 c) { return c >= kFatFirstCluster && c < n_clusters + kFatFirstCluster; }
u32 fat_get(u32 c) { return fat[c] & kFatEntryMask; }
void fat_set(u32 c, u32 v) { fat[c] = (fat[c] & ~kFatEntryMask) | (v & kFatEntryMask); }

// Copies one entry of the in-memory FAT into the on-disk image (written by the next flush_fat).
// Allocations reach the disk only through their file's commit, so a kill mid-write never leaves
// another file's uncommitted clusters marked used.
void publish(u32 c) {
  if (fat_disk[c] == fat[c]) return;
  bool was_free = (fat_disk[c] & kFatEntryMask) == kFatFree, now_free = (fat[c] & kFatEntryMask) == kFatFree;
  free_on_disk += (now_free ? 1 : 0) - (was_free ? 1 : 0);
  fat_disk[c] = fat[c];
  fat_dirty[(u64)c * 4 / kFatSectorSize] = 1;
}

void corrupt(const char* what, u32 c) {
  if (!reported_corruption) kerror("disk: corrupted FAT file system: %s (cluster %u)\n", what, c);
  reported_corruption = true;
}

// The cluster after c: *out = 0 at the end of the chain; false on corruption.
bool next_cluster(u32 c, u32* out) {
  u32 v = fat_get(c);
  if (v >= kFatEndOfChain) {
    *out = 0;
    return true;
  }
  if (!valid_cluster(v)) {
    corrupt(v ? "a chain leads outside the disk" : "a chain runs into a free cluster", c);
    return false;
  }
  *out = v;
  return true;
}

bool read_sector(u64 lba, void* buf) { return block_read(lba, 1, buf); }
bool write_sector(u64 lba, const void* buf) { return block_write(lba, 1, buf); }

u16 fold(u16 c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }
bool names_equal(const char* a, const char* b) {
  for (; *a && *b; a++, b++)
    if (fold((u8)*a) != fold((u8)*b)) return false;
  return *a == *b;
}

u8 fat_sfn_checksum(const u8* name) {
  u8 sum = 0;
  for (int i = 0; i < 11; i++) sum = (u8)(((sum & 1) << 7) + (sum >> 1) + name[i]);
  return sum;
}

void sfn_to_name(const FatDirEntry& e, char* out) {
  int n = 0;
  for (int i = 0; i < 8 && e.name[i] != ' '; i++) {
    u8 c = (i == 0 && e.name[0] == kDirLeadingE5) ? 0xE5 : e.name[i];  // not a deleted mark here
    out[n++] = (e.nt_case & kCaseLowerBase) && c >= 'A' && c <= 'Z' ? c + 32 : c;
  }
  if (e.name[8] != ' ') {
    out[n++] = '.';
    for (int i = 8; i < 11 && e.name[i] != ' '; i++)
      out[n++] =
          (e.nt_case & kCaseLowerExt) && e.name[i] >= 'A' && e.name[i] <= 'Z' ? e.name[i] + 32 : e.name[i];
  }
  out[n] = 0;
}

struct SlotPos {
  u64 lba;
  u16 off;
};

struct Found {
  u64 index;  // position of the 8.3 entry in the directory, in entries: stable across deletions
  FatDirEntry entry;
  char name[256];
  SlotPos slots[kMaxLfnSlots + 1];  // LFN entries, then the 8.3 entry last
  int n_slots;
};

// Walk a directory's entries, calling visit(const Found&) until it returns true.
// Returns 1 if visit stopped the walk, 0 at the end, -EIO on a broken directory.
template <class Visit>
int scan_dir(u32 dir_cluster, Visit&& visit) {
  static Found f;
  static char lfn[kMaxLfnSlots * kLfnChars + 1];
  bool lfn_valid = false;
  u8 lfn_sum = 0;
  int n_slots = 0;
  u32 c = dir_cluster, steps = 0;
  u64 base_index = 0;
  while (c) {
    if (!valid_cluster(c) || ++steps > n_clusters) {
      corrupt("a directory chain is broken", c);
      return -EIO;
    }
    if (!block_read(cluster_lba(c), spc, cluster_buf)) return -EIO;
    for (u32 i = 0; i < cluster_bytes / kDirEntrySize; i++) {
      const FatDirEntry& e = *(const FatDirEntry*)(cluster_buf + i * kDirEntrySize);
      u32 at = i * kDirEntrySize;
      SlotPos pos{cluster_lba(c) + at / kFatSectorSize, (u16)(at % kFatSectorSize)};
      if (e.name[0] == kDirEnd) return 0;
      if (e.name[0] == kDirDeleted) {
        lfn_valid = false;
        continue;
      }
      if (e.attr == kAttrLfn) {
        const FatLfnEntry& l = *(const FatLfnEntry*)&e;
        int seq = l.order & kLfnSeqMask;
        if (l.order & kLfnLast) {
          lfn_valid = seq >= 1 && seq <= kMaxLfnSlots;
          lfn_sum = l.checksum;
          n_slots = 0;
          memset(lfn, 0, sizeof lfn);
        }
        if (!lfn_valid || seq < 1 || seq > kMaxLfnSlots || l.checksum != lfn_sum) {
          lfn_valid = false;
          continue;
        }
        u16 chars[kLfnChars];
        lfn_get_chars(l, chars);
        for (int k = 0; k < kLfnChars; k++) {
          u16 ch = chars[k];
          if (ch == 0 || ch == kLfnPad) ch = 0;
          else if (ch >= 0x80) ch = '?';
          lfn[(seq - 1) * kLfnChars + k] = (char)ch;
        }
        f.slots[n_slots++] = pos;
        continue;
      }
      if (e.attr & kAttrVolume) {
        lfn_valid = false;
        continue;
      }
      f.index = base_index + i;
      f.entry = e;
      if (lfn_valid && fat_sfn_checksum(e.name) == lfn_sum && lfn[0]) {
        strncpy_z(f.name, lfn, sizeof f.name);
        f.n_slots = n_slots;
      } else {
        sfn_to_name(e, f.name);
        f.n_slots = 0;
      }
      f.slots[f.n_slots++] = pos;
      lfn_valid = false;
      if (visit((const Found&)f)) return 1;
    }
    base_index += cluster_bytes / kDirEntrySize;
    if (!next_cluster(c, &c)) return -EIO;
  }
  return 0;
}

void node_from(const Found& f, FatNode* n) {
  *n = FatNode{};
  n->first_cluster = f.entry.cluster();
  n->size = f.entry.size;
  n->attr = f.entry.attr;
  n->dirent_lba = f.slots[f.n_slots - 1].lba;
  n->dirent_off = f.slots[f.n_slots - 1].off;
  n->mdate = f.entry.mdate;
  n->mtime = f.entry.mtime;
}

int find_in_dir(u32 dir_cluster, const char* name, Found* out) {
  int r = scan_dir(dir_cluster, [&](const Found& f) {
    if (!names_equal(f.name, name)) return false;
    *out = f;
    return true;
  });
  return r == 1 ? 0 : r == 0 ? -ENOENT : r;
}

FatNode root_node() {
  FatNode n;
  n.is_root = true;
  n.first_cluster = root_cluster;
  n.attr = kAttrDir;
  return n;
}

int lookup_components(const char* path, usize len, FatNode* out) {
  FatNode cur = root_node();
  char comp[256];
  usize i = 0;
  while (i < len) {
    while (i < len && path[i] == '/') i++;
    if (i == len) break;
    usize j = i;
    while (j < len && path[j] != '/') j++;
    if (j - i >= sizeof comp) return -ENAMETOOLONG;
    memcpy(comp, path + i, j - i);
    comp[j - i] = 0;
    if (!cur.is_dir()) return -ENOTDIR;
    u32 dir = cur.is_root ? root_cluster : cur.first_cluster;
    if (!dir) return -ENOENT;
    Found f;
    int r = find_in_dir(dir, comp, &f);
    if (r) return r;
    node_from(f, &cur);
    i = j;
  }
  *out = cur;
  return 0;
}

// Splits "/a/b/c" into the parent path's node and the last component.
int lookup_parent(const char* path, FatNode* parent, const char** leaf) {
  usize len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--;
  usize slash = len;
  while (slash > 0 && path[slash - 1] != '/') slash--;
  *leaf = path + slash;
  if (slash == len) return -EINVAL;
  int r = lookup_components(path, slash, parent);
  if (r) return r;
  return parent->is_dir() ? 0 : -ENOTDIR;
}

u32 dir_cluster_of(const FatNode& n) { return n.is_root ? root_cluster : n.first_cluster; }

int flush_fat() {
  for (u32 s = 0; s < fat_sectors;) {
    if (!fat_dirty[s]) {
      s++;
      continue;
    }
    u32 e = s;
    while (e < fat_sectors && fat_dirty[e] && e - s < 1024) fat_dirty[e++] = 0;
    for (u32 k = 0; k < num_fats; k++)
      if (!block_write(fat_lba + (u64)k * fat_sectors + s, e - s, (u8*)fat_disk + (u64)s * kFatSectorSize))
        return -EIO;
    s = e;
  }
  FatFsInfo& info = *(FatFsInfo*)sector_buf;
  if (fsinfo_lba && read_sector(fsinfo_lba, sector_buf) && info.lead_signature == kFsInfoLead) {
    info.free_count = free_on_disk;
    info.next_free = next_free;
    if (!write_sector(fsinfo_lba, sector_buf)) return -EIO;
  }
  return 0;
}

int publish_chain(u32 c) {
  for (u32 steps = 0; c; steps++) {
    if (!valid_cluster(c) || steps > n_clusters) return -EIO;
    publish(c);
    u32 nx;
    if (!next_cluster(c, &nx)) return -EIO;
    c = nx;
  }
  return 0;
}

u32 alloc_cluster() {
  for (u32 k = 0; k < n_clusters; k++) {
    u32 c = next_free + k;
    if (c >= n_clusters + kFatFirstCluster) c -= n_clusters;
    if (fat_get(c) == kFatFree) {
      fat_set(c, kFatEndMark);
      free_clusters--;
      next_free = c + 1 < n_clusters + kFatFirstCluster ? c + 1 : kFatFirstCluster;
      return c;
    }
  }
  return 0;
}

int free_chain(u32 c) {
  u32 steps = 0;
  while (c) {
    if (!valid_cluster(c) || ++steps > n_clusters) return -EIO;
    u32 nx;
    bool ok = next_cluster(c, &nx);
    fat_set(c, kFatFree);
    publish(c);  // frees go to disk with the next flush
    free_clusters++;
    if (!ok) return -EIO;
    c = nx;
  }
  return 0;
}

void now_dos(u16* date, u16* time) { time_to_dos(time_realtime_ns() / 1000000000UL, date, time); }
template <class Entry> void stamp(Entry& e) {
  u16 d, t;
  now_dos(&d, &t);
  e.mdate = d, e.mtime = t;
}

bool in_set(const char* set, u8 c) {
  for (; *set; set++)
    if ((u8)*set == c) return true;
  return false;
}

bool valid_long_name(const char* name) {
  usize n = strlen(name);
  if (n == 0 || n > 255) return false;
  if (!strcmp(name, ".") || !strcmp(name, "..")) return false;
  for (usize i = 0; i < n; i++) {
    u8 c = (u8)name[i];
    if (c < 0x20 || c >= 0x7F || in_set("\"*/:<>?\\|", c)) return false;
  }
  return true;
}

// 8.3 name for a long name: the upper-cased name when it fits exactly (then no LFN is needed if the
// case matches too), else BASIS~N.EXT with the first N that is not taken in the directory.
bool sfn_char(u8 c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || in_set("!#$%&'()-@^_`{}~", c);
}

bool sfn_taken(u32 dir, const u8* sfn) {
  int r = scan_dir(dir, [&](const Found& f) { return memcmp(f.entry.name, sfn, 11) == 0; });
  return r != 0;
}

int make_sfn(u32 dir, const char* name, u8* sfn, bool* need_lfn) {
  memset(sfn, ' ', 11);
  usize n = strlen(name);
  isize dot = -1;
  for (usize i = 0; i < n; i++)
    if (name[i] == '.') dot = (isize)i;
  if (dot == 0) dot = -1;  // ".profile": all basis, no extension
  bool lossy = false;
  int b = 0, e = 0;
  for (usize i = 0; i < n; i++) {
    if ((isize)i == dot) continue;
    u8 c = to_upper((u8)name[i]);
    bool in_ext = dot >= 0 && (isize)i > dot;
    if (c == ' ' || (c == '.' && !in_ext)) {
      lossy = true;
      continue;
    }
    if (!sfn_char(c)) c = '_', lossy = true;
    if (in_ext) {
      if (e < 3) sfn[8 + e++] = c;
      else lossy = true;
    } else {
      if (b < 8) sfn[b++] = c;
      else lossy = true;
    }
  }
  if (b == 0) sfn[0] = '_', b = 1, lossy = true;
  if (!lossy) {
    char upper[256];
    for (usize i = 0; i <= n; i++) upper[i] = (char)to_upper((u8)name[i]);
    *need_lfn = strcmp(upper, name) != 0;
    return sfn_taken(dir, sfn) ? -EEXIST : 0;
  }
  *need_lfn = true;
  for (u32 k = 1; k < 1000000; k++) {
    char tail[10];
    int t = (int)snprint(tail, sizeof tail, "~%u", k);
    int keep = min_of(b, 8 - t);
    for (int i = 0; i < t; i++) sfn[keep + i] = tail[i];
    for (int i = keep + t; i < 8; i++) sfn[i] = ' ';
    if (!sfn_taken(dir, sfn)) return 0;
  }
  return -EEXIST;
}

// Writes LFN entries (if needed) and the 8.3 entry `tmpl` (name replaced) into `dir`, all within
// one cluster; grows the directory by a cluster when no cluster has room.
int add_entry(u32 dir, const char* name, FatDirEntry tmpl, SlotPos* sfn_pos) {
  if (!valid_long_name(name)) return -EINVAL;
  bool need_lfn;
  int r = make_sfn(dir, name, tmpl.name, &need_lfn);
  if (r) return r;
  usize len = strlen(name);
  int n_lfn = need_lfn ? (int)((len + kLfnChars - 1) / kLfnChars) : 0;
  int need = n_lfn + 1;
  // Find `need` free slots in one cluster.
  u32 c = dir, last = dir, steps = 0;
  i32 slot = -1;
  bool end_seen = false;
  while (c && slot < 0) {
    if (!valid_cluster(c) || ++steps > n_clusters) return -EIO;
    if (!block_read(cluster_lba(c), spc, cluster_buf)) return -EIO;
    int run = 0;
    for (u32 i = 0; i < cluster_bytes / kDirEntrySize; i++) {
      u8 first = cluster_buf[i * kDirEntrySize];
      if (first == kDirEnd) end_seen = true;
      if (end_seen || first == kDirDeleted) {
        if (++run == need) {
          slot = (i32)(i + 1 - need);
          break;
        }
      } else {
        run = 0;
      }
    }
    last = c;
    if (slot >= 0) break;
    if (!next_cluster(c, &c)) return -EIO;
  }
  if (slot < 0) {
    // Entries after the end marker would be invisible: turn the markers in the last cluster into
    // deleted entries, then chain a fresh, zeroed cluster.
    for (u32 i = 0; i < cluster_bytes / kDirEntrySize; i++)
      if (cluster_buf[i * kDirEntrySize] == kDirEnd) cluster_buf[i * kDirEntrySize] = kDirDeleted;
    if (!block_write(cluster_lba(last), spc, cluster_buf)) return -EIO;
    u32 nc = alloc_cluster();
    if (!nc) return -ENOSPC;
    memset(cluster_buf, 0, cluster_bytes);
    if (!block_write(cluster_lba(nc), spc, cluster_buf)) return -EIO;
    fat_set(last, nc);
    publish(last);
    publish(nc);
    if ((r = flush_fat())) return r;
    c = nc;
    slot = 0;
  }
  u8 sum = fat_sfn_checksum(tmpl.name);
  for (int k = 0; k < n_lfn; k++) {
    int seq = n_lfn - k;  // stored last part first
    FatLfnEntry l;
    memset(&l, 0, sizeof l);
    l.order = (u8)(seq | (k == 0 ? kLfnLast : 0));
    l.attr = kAttrLfn;
    l.checksum = sum;
    u16 chars[kLfnChars];
    for (int j = 0; j < kLfnChars; j++) {
      usize at = (usize)(seq - 1) * kLfnChars + j;
      chars[j] = at < len ? (u16)(u8)name[at] : at == len ? 0 : kLfnPad;
    }
    lfn_set_chars(l, chars);
    memcpy(cluster_buf + (slot + k) * kDirEntrySize, &l, kDirEntrySize);
  }
  memcpy(cluster_buf + (slot + n_lfn) * kDirEntrySize, &tmpl, kDirEntrySize);
  if (!block_write(cluster_lba(c), spc, cluster_buf)) return -EIO;
  u32 at = (u32)(slot + n_lfn) * kDirEntrySize;
  *sfn_pos = {cluster_lba(c) + at / kFatSectorSize, (u16)(at % kFatSectorSize)};
  return 0;
}

int delete_slots(const Found& f) {
  for (int i = 0; i < f.n_slots; i++) {
    if (!read_sector(f.slots[i].lba, sector_buf)) return -EIO;
    sector_buf[f.slots[i].off] = kDirDeleted;
    if (!write_sector(f.slots[i].lba, sector_buf)) return -EIO;
  }
  return 0;
}

int dir_is_empty(u32 dir) {
  if (!dir) return 1;
  int r = scan_dir(dir, [](const Found& f) { return strcmp(f.name, ".") && strcmp(f.name, ".."); });
  return r < 0 ? r : r == 0;
}

// The cluster holding byte `index * cluster_bytes` of the file, walking from the cached position.
int cluster_at(FatNode& n, u32 index, u32* out) {
  u32 i = 0, c = n.first_cluster;
  if (n.cache_cluster && n.cache_index <= index) i = n.cache_index, c = n.cache_cluster;
  if (!valid_cluster(c)) {
    corrupt("a file starts outside the disk", c);
    return -EIO;
  }
  while (i < index) {
    u32 nx;
    if (!next_cluster(c, &nx)) return -EIO;
    if (!nx) {
      corrupt("a file's chain is shorter than its size", c);
      return -EIO;
    }
    c = nx, i++;
  }
  n.cache_index = i, n.cache_cluster = c;
  *out = c;
  return 0;
}

// Make the chain at least `count` clusters long.
int ensure_clusters(FatNode& n, u32 count) {
  if (!count) return 0;
  u32 last, have;
  if (!n.first_cluster) {
    if (count > free_clusters) return -ENOSPC;  // all or nothing: no half-grown chains
    u32 c = alloc_cluster();
    if (!c) return -ENOSPC;
    n.first_cluster = c;
    n.dirty = true;
    last = c, have = 1;
  } else {
    if (!valid_cluster(n.first_cluster)) {
      corrupt("a file starts outside the disk", n.first_cluster);
      return -EIO;
    }
    have = n.cache_cluster ? n.cache_index + 1 : 1;
    last = n.cache_cluster ? n.cache_cluster : n.first_cluster;
    for (;;) {
      u32 nx;
      if (!next_cluster(last, &nx)) return -EIO;
      if (!nx) break;
      last = nx, have++;
      if (have > n_clusters) return -EIO;
    }
  }
  n.cache_index = have - 1, n.cache_cluster = last;
  if (count > have && count - have > free_clusters) return -ENOSPC;
  while (have < count) {
    u32 c = alloc_cluster();
    if (!c) return -ENOSPC;
    fat_set(last, c);
    last = c, have++;
  }
  return 0;
}

// Moves bytes between the file and `buf`: runs of adjacent clusters go to the device in one
// request; partial sectors go through sector_buf.
isize transfer(FatNode& n, u64 off, u8* buf, u64 len, bool write) {
  u64 pos = off, end = off + len;
  while (pos < end) {
    u32 index = (u32)(pos / cluster_bytes), c;
    int r = cluster_at(n, index, &c);
    if (r) return r;
    u32 run = 1;
    while ((u64)(index + run) * cluster_bytes < end && run < 1024) {
      u32 nx;
      if (!next_cluster(c + run - 1, &nx) || nx != c + run) break;
      run++;
    }
    u64 run_start = (u64)index * cluster_bytes;
    u64 run_end = min_of(end, run_start + (u64)run * cluster_bytes);
    u64 lba = cluster_lba(c) + (pos - run_start) / kFatSectorSize;
    u64 in_sector = pos % kFatSectorSize;
    if (in_sector || run_end - pos < kFatSectorSize) {
      u64 k = min_of(kFatSectorSize - in_sector, run_end - pos);
      if (!read_sector(lba, sector_buf)) return -EIO;
      if (write) {
        memcpy(sector_buf + in_sector, buf + (pos - off), k);
        if (!write_sector(lba, sector_buf)) return -EIO;
      } else {
        memcpy(buf + (pos - off), sector_buf + in_sector, k);
      }
      pos += k;
    } else {
      u64 sectors = (run_end - pos) / kFatSectorSize;
      bool ok = write ? block_write(lba, (u32)sectors, buf + (pos - off))
                      : block_read(lba, (u32)sectors, buf + (pos - off));
      if (!ok) return -EIO;
      pos += sectors * kFatSectorSize;
    }
  }
  return (isize)len;
}

}  // namespace

int fat_mount() {
  cluster_buf = nullptr;
  alignas(16) static u8 boot[kFatSectorSize];
  u64 part = 0;
  if (!block_read(0, 1, boot)) {
    kerror("disk: cannot read sector 0\n");
    return -EIO;
  }
  const FatBootSector* bs = (const FatBootSector*)boot;
  auto looks_fat32 = [](const FatBootSector* b) {
    return b->bytes_per_sector == kFatSectorSize && b->fat32_size != 0 && b->root_entries == 0 &&
           b->num_fats >= 1 &&
           b->num_fats <= 2;
  };
  if (bs->signature == kBootSignature && !looks_fat32(bs)) {
    // A partitioned disk (bareflow image): take the first FAT32 partition.
    const MbrPartition* parts = (const MbrPartition*)(boot + kMbrPartitionTable);
    for (int i = 0; i < 4; i++)
      if (parts[i].type == kMbrTypeFat32Chs || parts[i].type == kMbrTypeFat32Lba) {
        part = parts[i].lba;
        break;
      }
    if (part && !block_read(part, 1, boot)) return -EIO;
  }
  if (bs->signature != kBootSignature) {
    kerror("disk: not a FAT32 file system (no boot sector signature)\n");
    return -EIO;
  }
  if (bs->bytes_per_sector != kFatSectorSize || !bs->sectors_per_cluster ||
      (bs->sectors_per_cluster & (bs->sectors_per_cluster - 1)) || bs->num_fats < 1 || bs->num_fats > 2 ||
      bs->fat32_size == 0 || bs->root_entries != 0 || bs->reserved_sectors == 0) {
    kerror("disk: not a FAT32 file system (bad BIOS parameter block)\n");
    return -EIO;
  }
  spc = bs->sectors_per_cluster;
  cluster_bytes = spc * kFatSectorSize;
  num_fats = bs->num_fats;
  fat_sectors = bs->fat32_size;
  fat_lba = part + bs->reserved_sectors;
  data_lba = fat_lba + (u64)num_fats * fat_sectors;
  u64 total = bs->total32 ? bs->total32 : bs->total16;
  if (total <= data_lba - part || part + total > block_sectors()) {
    kerror("disk: corrupted FAT file system (%lu sectors claimed, the disk has %lu)\n", total,
           block_sectors());
    return -EIO;
  }
  n_clusters = (u32)((total - (data_lba - part)) / spc);
  if ((u64)(n_clusters + kFatFirstCluster) * 4 > (u64)fat_sectors * kFatSectorSize)
    n_clusters = fat_sectors * kFatSectorSize / 4 - kFatFirstCluster;
  root_cluster = bs->root_cluster;
  if (!valid_cluster(root_cluster)) {
    kerror("disk: corrupted FAT file system (root directory cluster %u)\n", root_cluster);
    return -EIO;
  }
  fsinfo_lba = bs->fsinfo_sector && bs->fsinfo_sector != kNoFsInfo ? part + bs->fsinfo_sector : 0;
  fat = (u32*)kalloc((u64)fat_sectors * kFatSectorSize);
  fat_disk = (u32*)kalloc((u64)fat_sectors * kFatSectorSize);
  fat_dirty = (u8*)kalloc(fat_sectors);
  cluster_buf = (u8*)kalloc(cluster_bytes);
  if (!block_read(fat_lba, fat_sectors, fat)) {
    kerror("disk: cannot read the FAT\n");
    return -EIO;
  }
  memcpy(fat_disk, fat, (u64)fat_sectors * kFatSectorSize);
  free_clusters = 0;
  for (u32 c = kFatFirstCluster; c < n_clusters + kFatFirstCluster; c++)
    if (fat_get(c) == kFatFree) free_clusters++;
  free_on_disk = free_clusters;
  next_free = kFatFirstCluster;
  klog("fat32: %u clusters of %u bytes, %u free\n", n_clusters, cluster_bytes, free_clusters);
  return 0;
}

u64 fat_cluster_bytes() { return cluster_bytes; }

void fat_usage(u64* clusters, u64* free) {
  *clusters = n_clusters;
  *free = free_clusters;
}

int fat_lookup(const char* path, FatNode* out) { return lookup_components(path, strlen(path), out); }

int fat_create(const char* path, bool directory, FatNode* out) {
  FatNode parent;
  const char* leaf;
  int r = lookup_parent(path, &parent, &leaf);
  if (r) return r;
  u32 dir = dir_cluster_of(parent);
  Found f;
  r = find_in_dir(dir, leaf, &f);
  if (r == 0) return -EEXIST;
  if (r != -ENOENT) return r;
  FatDirEntry e;
  memset(&e, 0, sizeof e);
  stamp(e);
  e.cdate = e.adate = e.mdate;
  e.ctime = e.mtime;
  e.attr = directory ? kAttrDir : kAttrArchive;
  if (directory) {
    u32 c = alloc_cluster();
    if (!c) return -ENOSPC;
    memset(cluster_buf, 0, cluster_bytes);
    FatDirEntry dot = e, dotdot = e;
    memcpy(dot.name, ".          ", 11);
    memcpy(dotdot.name, "..         ", 11);
    dot.set_cluster(c);
    dotdot.set_cluster(parent.is_root ? 0 : parent.first_cluster);
    memcpy(cluster_buf, &dot, kDirEntrySize);
    memcpy(cluster_buf + kDirEntrySize, &dotdot, kDirEntrySize);
    if (!block_write(cluster_lba(c), spc, cluster_buf)) return -EIO;
    publish(c);
    if ((r = flush_fat())) return r;
    e.set_cluster(c);
  }
  SlotPos pos;
  if ((r = add_entry(dir, leaf, e, &pos))) return r;
  if ((r = flush_fat())) return r;
  if (!block_flush()) return -EIO;
  *out = FatNode{};
  out->first_cluster = e.cluster();
  out->attr = e.attr;
  out->dirent_lba = pos.lba;
  out->dirent_off = pos.off;
  return 0;
}

isize fat_read(FatNode& n, u64 off, void* buf, u64 len) {
  if (n.is_dir()) return -EISDIR;
  if (off >= n.size) return 0;
  len = min_of(len, (u64)n.size - off);
  return len ? transfer(n, off, (u8*)buf, len, false) : 0;
}

isize fat_write(FatNode& n, u64 off, const void* buf, u64 len) {
  if (n.is_dir()) return -EISDIR;
  if (!len) return 0;
  if (off + len > 0xFFFFFFFFUL) return -EFBIG;
  while (n.size < off) {  // a hole: FAT has none, so write zeros
    u64 k = min_of(off - n.size, (u64)sizeof zero_page);
    isize r = fat_write(n, n.size, zero_page, k);
    if (r < 0) return r;
  }
  u64 end = off + len;
  int r = ensure_clusters(n, (u32)((end + cluster_bytes - 1) / cluster_bytes));
  if (r) return r;
  isize w = transfer(n, off, (u8*)buf, len, true);
  if (w < 0) return w;
  if (end > n.size) n.size = (u32)end;
  n.dirty = true;
  return w;
}

int fat_truncate(FatNode& n, u64 size) {
  if (n.is_dir()) return -EISDIR;
  if (size > 0xFFFFFFFFUL) return -EFBIG;
  if (size > n.size) {
    isize r = fat_write(n, n.size, zero_page, 0);
    while (r >= 0 && n.size < size) r = fat_write(n, n.size, zero_page, min_of(size - n.size, (u64)sizeof zero_page));
    return r < 0 ? (int)r : 0;
  }
  if (size == n.size) return 0;
  u32 keep = (u32)((size + cluster_bytes - 1) / cluster_bytes);
  n.cache_cluster = 0;
  int r;
  if (keep == 0) {
    u32 c = n.first_cluster;
    n.first_cluster = 0;
    r = free_chain(c);
  } else {
    u32 last, rest;
    if ((r = cluster_at(n, keep - 1, &last))) return r;
    if (!next_cluster(last, &rest)) return -EIO;
    fat_set(last, kFatEndMark);
    r = free_chain(rest);
  }
  n.cache_cluster = 0;
  n.size = (u32)size;
  n.dirty = true;
  return r;
}

int fat_commit(FatNode& n) {
  if (!n.dirty) return 0;
  int r = n.is_root ? 0 : publish_chain(n.first_cluster);
  if (!r) r = flush_fat();
  if (r) return r;
  if (!n.is_root && n.dirent_lba) {
    if (!read_sector(n.dirent_lba, sector_buf)) return -EIO;
    FatDirEntry& e = *(FatDirEntry*)(sector_buf + n.dirent_off);
    e.set_cluster(n.first_cluster);
    if (!(e.attr & kAttrDir)) e.size = n.size;
    stamp(e);
    e.adate = e.mdate;
    if (!write_sector(n.dirent_lba, sector_buf)) return -EIO;
  }
  if (!block_flush()) return -EIO;
  n.dirty = false;
  return 0;
}

int fat_set_mtime(FatNode& n, u64 unix_seconds) {
  if (n.is_root || !n.dirent_lba) return 0;
  u16 d, t;
  time_to_dos(unix_seconds, &d, &t);
  if (!read_sector(n.dirent_lba, sector_buf)) return -EIO;
  FatDirEntry& e = *(FatDirEntry*)(sector_buf + n.dirent_off);
  e.mdate = e.adate = n.mdate = d;
  e.mtime = n.mtime = t;
  if (!write_sector(n.dirent_lba, sector_buf) || !block_flush()) return -EIO;
  return 0;
}

int fat_unlink(const char* path, bool directory, bool keep_clusters) {
  FatNode parent;
  const char* leaf;
  int r = lookup_parent(path, &parent, &leaf);
  if (r) return r;
  Found f;
  if ((r = find_in_dir(dir_cluster_of(parent), leaf, &f))) return r;
  bool is_dir = f.entry.attr & kAttrDir;
  if (is_dir && !directory) return -EISDIR;
  if (!is_dir && directory) return -ENOTDIR;
  if (is_dir) {
    r = dir_is_empty(f.entry.cluster());
    if (r < 0) return r;
    if (!r) return -ENOTEMPTY;
  }
  if ((r = delete_slots(f))) return r;
  if (!keep_clusters && (r = free_chain(f.entry.cluster()))) return r;
  if ((r = flush_fat())) return r;
  return block_flush() ? 0 : -EIO;
}

int fat_rename(const char* from, const char* to, FatNode* moved_from, FatNode* moved_to) {
  FatNode from_parent, to_parent;
  const char *from_leaf, *to_leaf;
  int r = lookup_parent(from, &from_parent, &from_leaf);
  if (r) return r;
  if ((r = lookup_parent(to, &to_parent, &to_leaf))) return r;
  Found f, existing;
  if ((r = find_in_dir(dir_cluster_of(from_parent), from_leaf, &f))) return r;
  bool is_dir = f.entry.attr & kAttrDir;
  usize from_len = strlen(from);
  if (is_dir && !strncmp(to, from, from_len) && to[from_len] == '/') return -EINVAL;  // into itself
  r = find_in_dir(dir_cluster_of(to_parent), to_leaf, &existing);
  if (r == 0) {
    if (existing.slots[existing.n_slots - 1].lba == f.slots[f.n_slots - 1].lba &&
        existing.slots[existing.n_slots - 1].off == f.slots[f.n_slots - 1].off) {
      if (!strcmp(existing.name, to_leaf)) return 0;  // same name
    } else {
      bool target_dir = existing.entry.attr & kAttrDir;
      if (target_dir != is_dir) return target_dir ? -EISDIR : -ENOTDIR;
      if ((r = fat_unlink(to, target_dir))) return r;
    }
  } else if (r != -ENOENT) {
    return r;
  }
  SlotPos pos;
  if ((r = add_entry(dir_cluster_of(to_parent), to_leaf, f.entry, &pos))) return r;
  if ((r = delete_slots(f))) return r;
  if (moved_from) node_from(f, moved_from);
  if (moved_to) {
    node_from(f, moved_to);
    moved_to->dirent_lba = pos.lba;
    moved_to->dirent_off = pos.off;
  }
  u32 old_pc = from_parent.is_root ? 0 : from_parent.first_cluster;
  u32 new_pc = to_parent.is_root ? 0 : to_parent.first_cluster;
  if (is_dir && old_pc != new_pc && f.entry.cluster()) {
    u64 lba = cluster_lba(f.entry.cluster());
    if (!read_sector(lba, sector_buf)) return -EIO;
    FatDirEntry& dotdot = *(FatDirEntry*)(sector_buf + kDirEntrySize);
    dotdot.set_cluster(new_pc);
    if (!write_sector(lba, sector_buf)) return -EIO;
  }
  if ((r = flush_fat())) return r;
  return block_flush() ? 0 : -EIO;
}

int fat_readdir(FatNode& dir, u64* cookie, char* name, usize cap, FatNode* child) {
  if (!dir.is_dir()) return -ENOTDIR;
  u32 dc = dir_cluster_of(dir);
  if (!dc) return 0;
  u64 next = *cookie;
  int r = scan_dir(dc, [&](const Found& f) {
    if (f.index < *cookie || !strcmp(f.name, ".") || !strcmp(f.name, "..")) return false;
    strncpy_z(name, f.name, cap);
    node_from(f, child);
    next = f.index + 1;
    return true;
  });
  if (r == 1) *cookie = next;
  return r;
}
