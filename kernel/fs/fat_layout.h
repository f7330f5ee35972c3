// FAT32 as it lies on the disk: the boot sector, FSInfo, directory entries (8.3 and long-name),
// the FAT's entry values and the MBR partition entry. Shared by the kernel's FAT code and its
// fuzzer (tests/kernel/fat_fuzz.cpp), which builds its disks from these structures.
#pragma once
#include "lib/lib.h"

constexpr u32 kFatSectorSize = 512;  // the only sector size the kernel mounts

// The boot sector with the FAT32 BIOS parameter block.
struct PACKED FatBootSector {
  u8 jump[3];
  char oem[8];
  u16 bytes_per_sector;
  u8 sectors_per_cluster;  // a power of two
  u16 reserved_sectors;    // before the first FAT; the boot sector and FSInfo are among them
  u8 num_fats;
  u16 root_entries, total16;  // both 0 on FAT32 (total16 may hold a small disk's size)
  u8 media;
  u16 fat16_size, sectors_per_track, heads;
  u32 hidden, total32, fat32_size;  // fat32_size: sectors per FAT copy
  u16 ext_flags, version;
  u32 root_cluster;
  u16 fsinfo_sector, backup_boot;  // fsinfo_sector 0 or 0xFFFF: none
  u8 reserved[12];
  u8 drive, reserved1, boot_sig;
  u32 volume_id;
  char label[11], fs_type[8];
  u8 code[420];
  u16 signature;  // kBootSignature, also ends an MBR
};
static_assert(sizeof(FatBootSector) == kFatSectorSize);
static_assert(__builtin_offsetof(FatBootSector, fat32_size) == 36 &&
              __builtin_offsetof(FatBootSector, root_cluster) == 44);
constexpr u16 kBootSignature = 0xAA55;
constexpr u16 kNoFsInfo = 0xFFFF;

// FSInfo: a hint of the free cluster count and where to look for the next free cluster.
struct PACKED FatFsInfo {
  u32 lead_signature;  // kFsInfoLead
  u8 reserved[480];
  u32 struct_signature;  // kFsInfoStruct
  u32 free_count, next_free;
  u8 reserved2[12];
  u32 trail_signature;  // kFsInfoTrail
};
static_assert(sizeof(FatFsInfo) == kFatSectorSize && __builtin_offsetof(FatFsInfo, free_count) == 488);
constexpr u32 kFsInfoLead = 0x41615252, kFsInfoStruct = 0x61417272, kFsInfoTrail = 0xAA550000;

// FAT entries: 28 bits of cluster number; the top 4 bits are reserved and kept as found.
constexpr u32 kFatFirstCluster = 2;       // clusters 0 and 1 are not on the disk
constexpr u32 kFatEntryMask = 0x0FFFFFFF;
constexpr u32 kFatFree = 0;
constexpr u32 kFatEndOfChain = 0x0FFFFFF8;  // this and above end a chain
constexpr u32 kFatEndMark = 0x0FFFFFFF;     // what the kernel writes to end a chain
constexpr u8 kFatMediaFixed = 0xF8;         // FAT[0]'s low byte on a fixed disk

// Attributes.
constexpr u8 kAttrReadOnly = 0x01, kAttrHidden = 0x02, kAttrSystem = 0x04, kAttrVolume = 0x08,
             kAttrDir = 0x10, kAttrArchive = 0x20;
constexpr u8 kAttrLfn = kAttrReadOnly | kAttrHidden | kAttrSystem | kAttrVolume;  // a long-name piece

// A directory entry in 8.3 form. name[0] also says whether the slot is in use.
struct PACKED FatDirEntry {
  u8 name[11];  // 8 + 3, space-padded, no dot
  u8 attr, nt_case, ctime_tenth;
  u16 ctime, cdate, adate, cluster_high, mtime, mdate, cluster_low;
  u32 size;  // 0 for directories

  u32 cluster() const { return ((u32)cluster_high << 16) | cluster_low; }
  void set_cluster(u32 c) { cluster_high = (u16)(c >> 16), cluster_low = (u16)c; }
};
static_assert(sizeof(FatDirEntry) == 32 && __builtin_offsetof(FatDirEntry, cluster_low) == 26);
constexpr u32 kDirEntrySize = sizeof(FatDirEntry);
constexpr u8 kDirEnd = 0x00;        // name[0]: this slot and all after it are unused
constexpr u8 kDirDeleted = 0xE5;    // name[0]: a deleted entry, free for reuse
constexpr u8 kDirLeadingE5 = 0x05;  // name[0]: the name really starts with byte 0xE5
constexpr u8 kCaseLowerBase = 0x08, kCaseLowerExt = 0x10;  // nt_case: show that part in lower case

// A piece of a long name: 13 UCS-2 characters, stored before its 8.3 entry, last piece first.
struct PACKED FatLfnEntry {
  u8 order;  // sequence number 1..20 (kLfnSeqMask), kLfnLast on the first stored piece
  u16 name1[5];
  u8 attr, type, checksum;  // attr is kAttrLfn; checksum of the 8.3 name (fat_sfn_checksum)
  u16 name2[6];
  u16 cluster;  // always 0
  u16 name3[2];
};
static_assert(sizeof(FatLfnEntry) == 32 && __builtin_offsetof(FatLfnEntry, name2) == 14 &&
              __builtin_offsetof(FatLfnEntry, name3) == 28);
constexpr u8 kLfnLast = 0x40, kLfnSeqMask = 0x1F;
constexpr int kLfnChars = 13;
constexpr u16 kLfnPad = 0xFFFF;  // after the terminating NUL of the last piece

inline void lfn_get_chars(const FatLfnEntry& l, u16* chars) {
  memcpy(chars, l.name1, sizeof l.name1);
  memcpy(chars + 5, l.name2, sizeof l.name2);
  memcpy(chars + 11, l.name3, sizeof l.name3);
}
inline void lfn_set_chars(FatLfnEntry& l, const u16* chars) {
  memcpy(l.name1, chars, sizeof l.name1);
  memcpy(l.name2, chars + 5, sizeof l.name2);
  memcpy(l.name3, chars + 11, sizeof l.name3);
}

// Ties long-name pieces to their 8.3 entry: a piece whose checksum differs belongs to no entry.
inline u8 fat_sfn_checksum(const u8* name11) {
  u8 sum = 0;
  for (int i = 0; i < 11; i++) sum = (u8)(((sum & 1) << 7) + (sum >> 1) + name11[i]);
  return sum;
}

// A partitioned disk (a bareflow image): the MBR's four entries, the FAT32 one by type.
struct PACKED MbrPartition {
  u8 status, chs_first[3], type, chs_last[3];
  u32 lba, sectors;
};
static_assert(sizeof(MbrPartition) == 16);
constexpr u32 kMbrPartitionTable = 446;  // byte offset of the four entries in sector 0
constexpr u8 kMbrTypeFat32Chs = 0x0B, kMbrTypeFat32Lba = 0x0C;
