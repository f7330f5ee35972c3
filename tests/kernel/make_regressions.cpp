// Builds the kernel fuzzers' regression inputs from the kernel's own on-disk structures, so each
// one says in code what it corrupts:
//   make_regressions write DIR   writes DIR/fat/NAME and DIR/elf/NAME
//   make_regressions check DIR   fails unless the files in DIR are exactly what `write` makes
// A FAT input is the list of (offset, byte) edits that turn fat_fuzz_disk.h's disk into the
// corrupted one; an ELF input is the file itself. CTest runs each through its fuzzer once.
#include <dirent.h>

#include <cstdio>

#include "exec/elf.h"
#include "fat_fuzz_disk.h"

namespace {

using namespace fuzz_disk;

// --- FAT: the bug the fuzzer found (90ad6f2), then every structure's edge cases. ---

FatDirEntry& entry(u8* d, u32 dir, u32 slot) { return at<FatDirEntry>(d, entry_offset(dir, slot)); }
FatLfnEntry& lfn(u8* d, u32 slot) { return at<FatLfnEntry>(d, entry_offset(kRootCluster, slot)); }
FatBootSector& boot(u8* d) { return at<FatBootSector>(d, 0); }
u32& fat(u8* d, u32 c, u32 copy = 0) { return at<u32>(d, fat_offset(copy, c)); }

struct FatCase {
  const char* name;
  void (*corrupt)(u8* disk);
};

const FatCase kFatCases[] = {
    // 90ad6f2: a file whose first cluster lies outside the disk made reads (and, for an empty file
    // grown by a write, the chain walk) index past the in-memory FAT. kFatEntries is the first
    // cluster past its end, so ASan sees the very first byte read too far.
    {"file-starts-outside-disk-read",
     [](u8* d) { entry(d, kRootCluster, kRootHello).set_cluster(kFatEntries); }},
    {"file-starts-outside-disk-write",
     [](u8* d) {
       entry(d, kRootCluster, kRootHello).set_cluster(kFatEntries);
       entry(d, kRootCluster, kRootHello).size = 0;
     }},
    // Boot sector.
    {"boot-no-signature", [](u8* d) { boot(d).signature = 0; }},
    {"boot-sector-size-4096", [](u8* d) { boot(d).bytes_per_sector = 4096; }},
    {"boot-cluster-size-zero", [](u8* d) { boot(d).sectors_per_cluster = 0; }},
    {"boot-cluster-size-not-power-of-two", [](u8* d) { boot(d).sectors_per_cluster = 3; }},
    {"boot-no-fats", [](u8* d) { boot(d).num_fats = 0; }},
    {"boot-no-reserved-sectors", [](u8* d) { boot(d).reserved_sectors = 0; }},
    {"boot-fat-larger-than-disk", [](u8* d) { boot(d).fat32_size = kSectors; }},
    {"boot-total-beyond-disk", [](u8* d) { boot(d).total32 = kSectors + 1; }},
    {"boot-root-cluster-outside", [](u8* d) { boot(d).root_cluster = kFatFirstCluster + kDataClusters; }},
    {"boot-root-cluster-is-a-file", [](u8* d) { boot(d).root_cluster = kHelloCluster; }},
    // MBR: a sector 0 that is no FAT32 boot sector is read as a partition table.
    {"mbr-partition-beyond-disk",
     [](u8* d) {
       boot(d).fat32_size = 0;
       MbrPartition& p = at<MbrPartition>(d, kMbrPartitionTable);
       p.type = kMbrTypeFat32Lba, p.lba = 1000;
     }},
    {"mbr-partition-at-sector-0",
     [](u8* d) {
       boot(d).fat32_size = 0;
       at<MbrPartition>(d, kMbrPartitionTable).type = kMbrTypeFat32Chs;
     }},
    // FSInfo.
    {"fsinfo-bad-signature",
     [](u8* d) { at<FatFsInfo>(d, sector_offset(kFsInfoSector)).lead_signature = 0; }},
    {"fsinfo-none", [](u8* d) { boot(d).fsinfo_sector = kNoFsInfo; }},
    {"fsinfo-in-the-fat", [](u8* d) { boot(d).fsinfo_sector = kReservedSectors; }},
    // The FAT.
    {"fat-chain-loop", [](u8* d) { fat(d, kHelloCluster + 1) = kHelloCluster; }},
    {"fat-chain-into-free-cluster", [](u8* d) { fat(d, kHelloCluster) = kBinCluster + 1; }},
    {"fat-chain-outside-disk", [](u8* d) { fat(d, kHelloCluster) = kFatEndOfChain - 8; }},
    {"fat-chain-shorter-than-size", [](u8* d) { entry(d, kRootCluster, kRootHello).size = 5000; }},
    {"fat-reserved-bits-set",
     [](u8* d) {
       fat(d, kHelloCluster) = 0xF0000000 | (kHelloCluster + 1);
       fat(d, kHelloCluster + 1) = 0xFFFFFFFF;
     }},
    {"fat-copies-differ", [](u8* d) { fat(d, kHelloCluster, 1) = kFatFree; }},
    {"fat-root-chain-loop", [](u8* d) { fat(d, kRootCluster) = kRootCluster; }},
    {"fat-disk-full",
     [](u8* d) {
       for (u32 c = kBinCluster + 1; c < kFatFirstCluster + kDataClusters; c++) fat(d, c) = kFatEndMark;
     }},
    // Directory entries.
    {"dir-end-marker-first", [](u8* d) { lfn(d, kRootLfn2).order = kDirEnd; }},
    {"dir-deleted-long-name-piece", [](u8* d) { lfn(d, kRootLfn2).order = kDirDeleted; }},
    {"dir-leading-e5-name", [](u8* d) { entry(d, kRootCluster, kRootSub).name[0] = kDirLeadingE5; }},
    {"dir-volume-label", [](u8* d) { entry(d, kRootCluster, kRootSub).attr = kAttrVolume; }},
    {"dir-without-cluster", [](u8* d) { entry(d, kRootCluster, kRootSub).set_cluster(0); }},
    {"dir-points-at-file-data", [](u8* d) { entry(d, kRootCluster, kRootSub).set_cluster(kHelloCluster); }},
    {"dir-contains-itself",
     [](u8* d) {
       entry(d, kSubCluster, kSubBin).set_cluster(kSubCluster);
       entry(d, kSubCluster, kSubBin).attr = kAttrDir;
     }},
    {"dir-dotdot-elsewhere", [](u8* d) { entry(d, kSubCluster, kSubDotDot).set_cluster(kBinCluster); }},
    {"dir-lower-case-flags",
     [](u8* d) { entry(d, kSubCluster, kSubBin).nt_case = kCaseLowerBase | kCaseLowerExt; }},
    {"dir-full-root",
     [](u8* d) {
       for (u32 slot = kRootSub + 1; slot < kFatSectorSize / kDirEntrySize; slot++) {
         char name[12] = "F          ";
         name[1] = (char)('A' + slot);
         dir_entry(d, kRootCluster, slot, name, kAttrArchive, 0, 0);
       }
     }},
    // Long-name pieces.
    {"lfn-bad-checksum", [](u8* d) { lfn(d, kRootLfn1).checksum ^= 1; }},
    {"lfn-sequence-out-of-range", [](u8* d) { lfn(d, kRootLfn2).order = kLfnLast | 21; }},
    {"lfn-sequence-zero", [](u8* d) { lfn(d, kRootLfn2).order = kLfnLast; }},
    {"lfn-without-last-flag", [](u8* d) { lfn(d, kRootLfn2).order = 2; }},
    {"lfn-non-ascii", [](u8* d) { lfn(d, kRootLfn1).name1[0] = 0x00E9; }},
};

// The edits that turn the fuzzer's disk into the corrupted one: (offset low, offset high, byte).
int fat_input(const FatCase& c, u8* out) {
  static u8 clean[kBytes], bad[kBytes];
  make(clean);
  make(bad);
  c.corrupt(bad);
  int n = 0;
  for (u32 off = 0; off < kBytes; off++)
    if (clean[off] != bad[off]) out[n++] = (u8)off, out[n++] = (u8)(off >> 8), out[n++] = bad[off];
  return n;
}

// --- ELF: the bugs c964a67 fixed (the loader's checks could wrap), then edge cases. ---

// A static x86-64 executable of 512 bytes: one PT_LOAD of the whole file at 0x400000.
struct ElfFile {
  ElfHeader eh;
  ProgramHeader ph[3];
  u8 rest[512 - sizeof(ElfHeader) - 3 * sizeof(ProgramHeader)];
};
static_assert(sizeof(ElfFile) == 512);
constexpr u64 kLoadAddress = 0x400000;

void make_elf(ElfFile& f) {
  memset(&f, 0, sizeof f);
  memcpy(f.eh.ident, "\x7f" "ELF\x02\x01\x01", 7);
  f.eh.type = kEtExec;
  f.eh.machine = 62;
  f.eh.version = 1;
  f.eh.entry = kLoadAddress + sizeof(ElfFile) - sizeof f.rest;
  f.eh.phoff = sizeof(ElfHeader);
  f.eh.ehsize = sizeof(ElfHeader);
  f.eh.phentsize = sizeof(ProgramHeader);
  f.eh.phnum = 1;
  f.ph[0] = {kPtLoad, 5, 0, kLoadAddress, kLoadAddress, sizeof(ElfFile), 0x1000, 0x1000};
}

struct ElfCase {
  const char* name;
  void (*change)(ElfFile& f);
};

const ElfCase kElfCases[] = {
    // c964a67: offset + filesz and vaddr + memsz were summed without a wrap check, and the entry
    // point was not checked at all.
    {"segment-file-range-wraps",
     [](ElfFile& f) { f.ph[0].offset = ~0UL - 0xFF, f.ph[0].filesz = sizeof(ElfFile); }},
    {"segment-address-range-wraps",
     [](ElfFile& f) {
       f.eh.phnum = 2;
       f.ph[1] = {kPtLoad, 6, 0, ~0UL - 0xFFF, 0, 0, 0x2000, 0x1000};
     }},
    {"entry-outside-segments", [](ElfFile& f) { f.eh.entry = 0x1000; }},
    // Edge cases.
    {"no-program-headers", [](ElfFile& f) { f.eh.phnum = 0; }},
    {"too-many-program-headers", [](ElfFile& f) { f.eh.phnum = kElfMaxPhdrs + 1; }},
    {"program-headers-past-end", [](ElfFile& f) { f.eh.phoff = sizeof(ElfFile) - 8; }},
    {"program-header-size-wrong", [](ElfFile& f) { f.eh.phentsize = 32; }},
    {"not-x86-64", [](ElfFile& f) { f.eh.machine = 183; }},
    {"interpreter",
     [](ElfFile& f) {
       f.eh.phnum = 2;
       f.ph[1] = {kPtInterp, 4, sizeof(ElfFile) - 16, 0, 0, 16, 16, 1};
     }},
    {"filesz-over-memsz", [](ElfFile& f) { f.ph[0].memsz = 16; }},
    {"segment-on-the-null-pages", [](ElfFile& f) { f.ph[0].vaddr = 0x1000, f.eh.entry = 0x1080; }},
    {"segment-above-the-program-half",
     [](ElfFile& f) { f.ph[0].vaddr = kElfHighest, f.eh.entry = kElfHighest + 0x80; }},
    {"static-pie-high-segment",
     [](ElfFile& f) {
       f.eh.type = kEtDyn;
       f.ph[0].vaddr = 0x600000000000, f.eh.entry = 0x600000000080;
     }},
    {"no-loadable-segments", [](ElfFile& f) { f.ph[0].memsz = 0; }},
};

constexpr int kMaxCases = 64;
static_assert(sizeof kFatCases / sizeof *kFatCases <= kMaxCases);
static_assert(sizeof kElfCases / sizeof *kElfCases <= kMaxCases);

// --- Writing and checking. ---

bool write_file(const char* path, const u8* data, usize n) {
  FILE* f = fopen(path, "wb");
  bool ok = f && fwrite(data, 1, n, f) == n;
  if (f && fclose(f)) ok = false;
  if (!ok) fprintf(stderr, "make_regressions: cannot write %s\n", path);
  return ok;
}

bool same_as_file(const char* path, const u8* data, usize n) {
  static u8 buf[1 << 16];
  FILE* f = fopen(path, "rb");
  usize got = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  if (f && got == n && !memcmp(buf, data, n)) return true;
  fprintf(stderr, "make_regressions: %s %s; run `make_regressions write` and commit the result\n", path,
          f ? "differs from what its case makes" : "is missing");
  return false;
}

// In `check` mode, every file in DIR/SUB must belong to a case.
bool only_known_files(const char* dir, const char* const* names, int n) {
  DIR* d = opendir(dir);
  if (!d) {
    fprintf(stderr, "make_regressions: cannot read %s\n", dir);
    return false;
  }
  bool ok = true;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    bool known = false;
    for (int i = 0; i < n && !known; i++) known = !strcmp(names[i], e->d_name);
    if (!known) {
      fprintf(stderr, "make_regressions: %s/%s belongs to no case\n", dir, e->d_name);
      ok = false;
    }
  }
  closedir(d);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  bool check = argc == 3 && !strcmp(argv[1], "check");
  if (argc != 3 || (!check && strcmp(argv[1], "write"))) {
    fprintf(stderr, "usage: make_regressions write|check DIR\n");
    return 2;
  }
  bool ok = true;
  char path[4096];
  auto put = [&](const char* sub, const char* name, const u8* data, usize n) {
    snprint(path, sizeof path, "%s/%s/%s", argv[2], sub, name);
    ok &= check ? same_as_file(path, data, n) : write_file(path, data, n);
  };
  static u8 edits[3 * kBytes];
  const char* names[kMaxCases];
  int n_names = 0;
  for (const FatCase& c : kFatCases) {
    put("fat", c.name, edits, (usize)fat_input(c, edits));
    names[n_names++] = c.name;
  }
  if (check) {
    snprint(path, sizeof path, "%s/fat", argv[2]);
    ok &= only_known_files(path, names, n_names);
  }
  n_names = 0;
  for (const ElfCase& c : kElfCases) {
    ElfFile f;
    make_elf(f);
    c.change(f);
    put("elf", c.name, (const u8*)&f, sizeof f);
    names[n_names++] = c.name;
  }
  if (check) {
    snprint(path, sizeof path, "%s/elf", argv[2]);
    ok &= only_known_files(path, names, n_names);
  }
  return ok ? 0 : 1;
}
