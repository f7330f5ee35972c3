#include "arch/x86_64/acpi.h"

#include "mm/memory.h"

namespace {

struct PACKED Rsdp {
  char signature[8];
  u8 checksum;
  char oem[6];
  u8 revision;
  u32 rsdt;
  u32 length;
  u64 xsdt;
  u8 extended_checksum, reserved[3];
};
static_assert(sizeof(Rsdp) == 36);

struct PACKED SdtHeader {
  char signature[4];
  u32 length;
  u8 revision, checksum;
  char oem[6], oem_table[8];
  u32 oem_revision, creator, creator_revision;
};
static_assert(sizeof(SdtHeader) == 36);

struct PACKED MadtEntry {
  u8 type, length;
};
struct PACKED MadtLocalApic {  // type 0
  MadtEntry h;
  u8 processor, apic_id;
  u32 flags;
};
struct PACKED MadtLocalX2Apic {  // type 9
  MadtEntry h;
  u16 reserved;
  u32 x2apic_id, flags, uid;
};
static_assert(sizeof(MadtLocalApic) == 8 && sizeof(MadtLocalX2Apic) == 16);
constexpr u32 kEnabled = 1;
constexpr u64 kMadtHeaderBytes = sizeof(SdtHeader) + 8;  // + local APIC address, flags

bool sums_to_zero(const void* p, u64 n) {
  u8 sum = 0;
  for (u64 i = 0; i < n; i++) sum += ((const u8*)p)[i];
  return sum == 0;
}

const Rsdp* find_rsdp(u64 hint) {
  if (hint && hint < kPhysLimit) {
    const Rsdp* r = (const Rsdp*)phys_to_virt(hint);
    if (!memcmp(r->signature, "RSD PTR ", 8) && sums_to_zero(r, 20)) return r;
  }
  for (u64 a = 0xE0000; a < 0x100000; a += 16) {  // the BIOS area
    const Rsdp* r = (const Rsdp*)phys_to_virt(a);
    if (!memcmp(r->signature, "RSD PTR ", 8) && sums_to_zero(r, 20)) return r;
  }
  return nullptr;
}

const SdtHeader* table(u64 phys) {
  if (!phys || phys >= kPhysLimit) return nullptr;
  const SdtHeader* h = (const SdtHeader*)phys_to_virt(phys);
  return h->length >= sizeof(SdtHeader) && sums_to_zero(h, h->length) ? h : nullptr;
}

const SdtHeader* find_madt(const Rsdp* rsdp) {
  bool x = rsdp->revision >= 2 && rsdp->xsdt;
  const SdtHeader* root = table(x ? rsdp->xsdt : rsdp->rsdt);
  if (!root) return nullptr;
  u64 entry_bytes = x ? 8 : 4;
  const u8* entries = (const u8*)root + sizeof(SdtHeader);
  for (u64 i = 0; i < (root->length - sizeof(SdtHeader)) / entry_bytes; i++) {
    u64 phys = x ? *(const u64*)(entries + i * 8) : *(const u32*)(entries + i * 4);
    const SdtHeader* t = table(phys);
    if (t && !memcmp(t->signature, "APIC", 4)) return t;
  }
  return nullptr;
}

}  // namespace

int acpi_cpu_apic_ids(u64 rsdp_hint, u32* ids, int max) {
  const Rsdp* rsdp = find_rsdp(rsdp_hint);
  const SdtHeader* madt = rsdp ? find_madt(rsdp) : nullptr;
  if (!madt || madt->length < kMadtHeaderBytes) return 0;
  int n = 0;
  const u8* p = (const u8*)madt + kMadtHeaderBytes;
  const u8* end = (const u8*)madt + madt->length;
  while (p + sizeof(MadtEntry) <= end && n < max) {
    const MadtEntry& e = *(const MadtEntry*)p;
    if (e.length < sizeof(MadtEntry) || p + e.length > end) break;
    if (e.type == 0 && e.length >= sizeof(MadtLocalApic) && (((const MadtLocalApic*)p)->flags & kEnabled))
      ids[n++] = ((const MadtLocalApic*)p)->apic_id;
    if (e.type == 9 && e.length >= sizeof(MadtLocalX2Apic) && (((const MadtLocalX2Apic*)p)->flags & kEnabled))
      ids[n++] = ((const MadtLocalX2Apic*)p)->x2apic_id;
    p += e.length;
  }
  return n;
}
