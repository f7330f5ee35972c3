// The disk every FAT fuzzer input starts from, built from the kernel's on-disk structures
// (kernel/fs/fat_layout.h). An input is a list of (offset low, offset high, byte) edits to it.
// Shared by the fuzzer and the generator of its regression inputs (make_regressions.cpp).
//
// 64 sectors: boot sector, FSInfo, two one-sector FATs, then clusters of one sector from 2:
//   cluster 2      the root: "hello world.txt" (two long-name pieces, then HELLOW~1.TXT), SUB
//   clusters 3, 4  hello world.txt, 700 bytes
//   cluster 5      SUB: ".", "..", A.BIN
//   cluster 6      A.BIN, 10 bytes
#pragma once
#include "fs/fat_layout.h"

namespace fuzz_disk {

constexpr u32 kSectors = 64, kReservedSectors = 2, kFats = 2, kFatSectors = 1;
constexpr u32 kBytes = kSectors * kFatSectorSize;
constexpr u32 kFirstDataSector = kReservedSectors + kFats * kFatSectors;
constexpr u32 kDataClusters = kSectors - kFirstDataSector;
constexpr u32 kFatEntries = kFatSectors * kFatSectorSize / 4;  // what the kernel holds in memory
constexpr u32 kFsInfoSector = 1;

constexpr u32 kRootCluster = 2, kHelloCluster = 3, kSubCluster = 5, kBinCluster = 6;
constexpr u32 kHelloSize = 700, kBinSize = 10;
constexpr u32 kClustersUsed = 5;
// Slots of the root directory and of SUB.
constexpr u32 kRootLfn2 = 0, kRootLfn1 = 1, kRootHello = 2, kRootSub = 3;
constexpr u32 kSubDot = 0, kSubDotDot = 1, kSubBin = 2;

constexpr u32 sector_offset(u32 lba) { return lba * kFatSectorSize; }
constexpr u32 cluster_offset(u32 c) { return sector_offset(kFirstDataSector + c - kFatFirstCluster); }
constexpr u32 entry_offset(u32 dir_cluster, u32 slot) {
  return cluster_offset(dir_cluster) + slot * kDirEntrySize;
}
constexpr u32 fat_offset(u32 copy, u32 c) {
  return sector_offset(kReservedSectors + copy * kFatSectors) + c * 4;
}

template <class T> T& at(u8* disk, u32 off) { return *(T*)(disk + off); }

inline FatDirEntry& dir_entry(u8* disk, u32 dir_cluster, u32 slot, const char* name11, u8 attr, u32 cluster,
                              u32 size) {
  FatDirEntry& e = at<FatDirEntry>(disk, entry_offset(dir_cluster, slot));
  memcpy(e.name, name11, 11);
  e.attr = attr;
  e.set_cluster(cluster);
  e.size = size;
  return e;
}

// One piece of a long name: `part` holds up to 13 characters; a shorter one ends the name.
inline void lfn_entry(u8* disk, u32 dir_cluster, u32 slot, u8 seq, bool last, const char* sfn11,
                      const char* part) {
  FatLfnEntry& l = at<FatLfnEntry>(disk, entry_offset(dir_cluster, slot));
  l.order = (u8)(seq | (last ? kLfnLast : 0));
  l.attr = kAttrLfn;
  l.checksum = fat_sfn_checksum((const u8*)sfn11);
  u16 chars[kLfnChars];
  bool ended = false;
  for (int i = 0; i < kLfnChars; i++) {
    chars[i] = ended ? kLfnPad : (u8)part[i];
    if (!ended && !part[i]) ended = true;
  }
  lfn_set_chars(l, chars);
}

inline void make(u8* disk) {
  memset(disk, 0, kBytes);
  FatBootSector& bs = at<FatBootSector>(disk, 0);
  memcpy(bs.jump, "\xEB\x58\x90", 3);
  memcpy(bs.oem, "BAREFLOW", 8);
  bs.bytes_per_sector = kFatSectorSize;
  bs.sectors_per_cluster = 1;
  bs.reserved_sectors = kReservedSectors;
  bs.num_fats = kFats;
  bs.media = kFatMediaFixed;
  bs.total32 = kSectors;
  bs.fat32_size = kFatSectors;
  bs.root_cluster = kRootCluster;
  bs.fsinfo_sector = kFsInfoSector;
  bs.signature = kBootSignature;

  FatFsInfo& info = at<FatFsInfo>(disk, sector_offset(kFsInfoSector));
  info.lead_signature = kFsInfoLead;
  info.struct_signature = kFsInfoStruct;
  info.free_count = kDataClusters - kClustersUsed;
  info.next_free = kBinCluster + 1;
  info.trail_signature = kFsInfoTrail;

  const u32 fat[] = {0x0FFFFF00 | kFatMediaFixed, kFatEndMark, kFatEndMark /* root */, kHelloCluster + 1,
                     kFatEndMark, kFatEndMark /* SUB */, kFatEndMark /* A.BIN */};
  for (u32 copy = 0; copy < kFats; copy++) memcpy(disk + fat_offset(copy, 0), fat, sizeof fat);

  const char* hello = "HELLOW~1TXT";
  lfn_entry(disk, kRootCluster, kRootLfn2, 2, true, hello, "xt");
  lfn_entry(disk, kRootCluster, kRootLfn1, 1, false, hello, "hello world.t");
  dir_entry(disk, kRootCluster, kRootHello, hello, kAttrArchive, kHelloCluster, kHelloSize);
  dir_entry(disk, kRootCluster, kRootSub, "SUB        ", kAttrDir, kSubCluster, 0);
  for (u32 i = 0; i < kHelloSize; i++) disk[cluster_offset(kHelloCluster) + i] = (u8)(i * 7);
  dir_entry(disk, kSubCluster, kSubDot, ".          ", kAttrDir, kSubCluster, 0);
  dir_entry(disk, kSubCluster, kSubDotDot, "..         ", kAttrDir, 0, 0);
  dir_entry(disk, kSubCluster, kSubBin, "A       BIN", kAttrArchive, kBinCluster, kBinSize);
  memcpy(disk + cluster_offset(kBinCluster), "0123456789", kBinSize);
}

}  // namespace fuzz_disk
