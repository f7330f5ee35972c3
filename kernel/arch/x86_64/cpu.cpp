#include "arch/x86_64/cpu.h"

#include "console.h"

extern "C" const u64 exc_stub_table[32];
extern "C" const u8 irq_stubs[];
extern "C" void syscall_entry();
bool cpu_use_xsave = false;
void (*exit_hook)() = nullptr;
Cpu* cpus[kMaxCpus];
u32 cpu_count = 1;

namespace {

struct PACKED IdtEntry {
  u16 offset_low, selector;
  u8 ist, type;
  u16 offset_mid;
  u32 offset_high, reserved;
};
static_assert(sizeof(IdtEntry) == 16);

struct PACKED DescriptorPointer {
  u16 limit;
  u64 base;
};

alignas(16) IdtEntry idt[256];
bool has_xsave = false, has_avx = false, has_avx2 = false, has_avx512 = false, has_fsgsbase = false,
     has_rdrand = false;
u32 xsave_bytes = 512;
char features[128];

void load_gdt(Cpu* c, u8* ist_memory) {
  c->gdt[0] = 0;
  c->gdt[1] = 0x00AF9A000000FFFF;  // 0x08 code
  c->gdt[2] = 0x00CF92000000FFFF;  // 0x10 data
  uptr base = (uptr)&c->tss;
  u64 limit = sizeof(Tss) - 1;
  c->gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89UL << 40) | (((limit >> 16) & 0xF) << 48) |
              (((base >> 24) & 0xFF) << 56);
  c->gdt[4] = base >> 32;
  u64 top = (u64)ist_memory;
  for (int i = 0; i < 4; i++) {
    top += kIstBytes[i];
    c->tss.ist[i] = top;
  }
  c->tss.iomap_base = sizeof(Tss);
  DescriptorPointer p{sizeof c->gdt - 1, (u64)c->gdt};
  asm volatile(
      "lgdt %0\n"
      "pushq $0x08\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "lretq\n"
      "1: movw $0x10, %%ax\n"
      "movw %%ax, %%ds\nmovw %%ax, %%es\nmovw %%ax, %%ss\n"
      "xorw %%ax, %%ax\nmovw %%ax, %%fs\nmovw %%ax, %%gs\n"
      "movw $0x18, %%ax\nltr %%ax\n" ::"m"(p)
      : "rax", "memory");
}

void set_gate(int v, u64 handler, u8 ist) {
  IdtEntry& e = idt[v];
  e.offset_low = handler & 0xFFFF;
  e.selector = 0x08;
  e.ist = ist;
  e.type = 0x8E;
  e.offset_mid = (handler >> 16) & 0xFFFF;
  e.offset_high = handler >> 32;
  e.reserved = 0;
}

// IST 1: interrupts; 2: exceptions; 3: double fault; 4: NMI and machine check. Different stacks,
// so that a fault while an interrupt is handled does not overwrite it.
void build_idt() {
  for (int v = 0; v < 32; v++) set_gate(v, exc_stub_table[v], v == 8 ? 3 : (v == 2 || v == 18) ? 4 : 2);
  for (int v = 32; v < 256; v++) set_gate(v, (u64)irq_stubs + (v - 32) * 16, 1);
}

void load_idt() {
  DescriptorPointer p{sizeof idt - 1, (u64)idt};
  asm volatile("lidt %0" ::"m"(p));
}

// The legacy PICs: moved off the exception vectors (to 0x20-0x2F) and masked; time comes from the
// local APIC.
void mask_pics() {
  outb(0x20, 0x11), outb(0xA0, 0x11);
  outb(0x21, 0x20), outb(0xA1, 0x28);
  outb(0x21, 4), outb(0xA1, 2);
  outb(0x21, 1), outb(0xA1, 1);
  outb(0x21, 0xFF), outb(0xA1, 0xFF);
}

void detect_features() {
  u32 a, b, c, d;
  cpuid(1, 0, &a, &b, &c, &d);
  has_xsave = c & (1u << 26);
  has_avx = c & (1u << 28);
  has_rdrand = c & (1u << 30);
  u32 a7, b7, c7, d7;
  cpuid(7, 0, &a7, &b7, &c7, &d7);
  has_fsgsbase = b7 & 1;
  has_avx2 = has_xsave && has_avx && (b7 & (1u << 5));
  // AVX-512 needs its three state components (opmask, ZMM_Hi256, Hi16_ZMM) in XSAVE too.
  if (has_xsave && has_avx && (b7 & (1u << 16))) {
    u32 xcr0_supported, x1, x2, x3;
    cpuid(0xD, 0, &xcr0_supported, &x1, &x2, &x3);
    has_avx512 = (xcr0_supported & kXcr0Avx512) == kXcr0Avx512;
  }
}

void enable_simd() {
  u64 cr0, cr4;
  asm volatile("mov %%cr0, %0" : "=r"(cr0));
  cr0 = (cr0 & ~(1UL << 2)) | (1UL << 1);  // EM off, MP on
  asm volatile("mov %0, %%cr0" ::"r"(cr0));
  asm volatile("mov %%cr4, %0" : "=r"(cr4));
  cr4 |= (1UL << 9) | (1UL << 10);  // OSFXSR, OSXMMEXCPT
  if (has_xsave) cr4 |= 1UL << 18;  // OSXSAVE
  if (has_fsgsbase) cr4 |= 1UL << 16;  // for programs that read their TLS base directly
  asm volatile("mov %0, %%cr4" ::"r"(cr4));
  if (has_xsave) {
    u64 xcr0 = 3 | (has_avx ? 4 : 0) | (has_avx512 ? kXcr0Avx512 : 0);  // x87, SSE, AVX, AVX-512
    asm volatile("xsetbv" ::"c"(0), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32)));
    u32 size, x1, x2, x3;
    cpuid(0xD, 0, &x1, &size, &x2, &x3);  // EBX: bytes needed for the features XCR0 now enables
    if (size > kExtendedStateBytes) kernel_panic("xsave area of %u bytes is larger than reserved", size);
    xsave_bytes = size;
    cpu_use_xsave = true;
  }
}

void enable_syscall() {
  // EFER.SCE, and EFER.NXE for the no-execute bit. CR0.WP: the program runs in ring 0, where
  // read-only pages are writable unless WP is set.
  wrmsr(0xC0000080, rdmsr(0xC0000080) | 1 | (1UL << 11));
  u64 cr0;
  asm volatile("mov %%cr0, %0" : "=r"(cr0));
  asm volatile("mov %0, %%cr0" ::"r"(cr0 | (1UL << 16)));
  wrmsr(0xC0000081, (0x08UL << 32) | (0x08UL << 48));  // STAR: kernel CS 0x08, SS 0x10
  wrmsr(0xC0000082, (u64)&syscall_entry);              // LSTAR
  wrmsr(0xC0000084, 0x47700);                          // SFMASK: TF, IF, DF, IOPL, AC, NT
}

}  // namespace

void cpu_init_boot(Cpu* c, u8* ist_memory) {
  mask_pics();
  build_idt();
  detect_features();
  cpu_init_this(c, ist_memory);
  snprint(features, sizeof features, "sse2%s%s%s%s%s%s", has_xsave ? " xsave" : "", has_avx ? " avx" : "",
          has_avx2 ? " avx2" : "", has_avx512 ? " avx512f" : "", has_fsgsbase ? " fsgsbase" : "",
          has_rdrand ? " rdrand" : "");
}

void cpu_init_this(Cpu* c, u8* ist_memory) {
  c->self = c;
  load_gdt(c, ist_memory);
  load_idt();
  // The kernel's GS base while in the kernel; the program's (0 at first) waits in KERNEL_GS_BASE.
  wrmsr(kMsrGsBase, (u64)c);
  wrmsr(kMsrKernelGsBase, 0);
  enable_simd();
  enable_syscall();
}

void cpu_init_extended_state(void* area) {
  memset(area, 0, kExtendedStateBytes);
  u8* a = (u8*)area;
  *(u16*)(a + 0) = 0x37F;    // FCW: x87 defaults
  *(u32*)(a + 24) = 0x1F80;  // MXCSR: SSE defaults, exceptions masked
  if (cpu_use_xsave) *(u64*)(a + 512) = 3;  // XSTATE_BV: x87 and SSE from this area, AVX in its initial state
}

const char* cpu_feature_summary() { return features; }

u64 cpu_random64() {
  if (has_rdrand) {
    for (int i = 0; i < 10; i++) {
      u64 v;
      u8 ok;
      asm volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
      if (ok) return v;
    }
  }
  static u64 state = 0;
  state ^= rdtsc() + 0x9E3779B97F4A7C15UL;
  u64 z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
  return z ^ (z >> 31);
}

void dump_registers(const TrapFrame& f) {
  kerror("  rip=%016lx rsp=%016lx rflags=%016lx cr2=%016lx\n", f.rip, f.rsp, f.rflags, read_cr2());
  kerror("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
  kerror("  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
  kerror("  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", f.r9, f.r10, f.r11, f.r12);
  kerror("  r13=%016lx r14=%016lx r15=%016lx\n", f.r13, f.r14, f.r15);
}

void machine_exit(int status) {
  char line[48];
  usize n = snprint(line, sizeof line, "\nbareflow-exit: %d\n", status);
  console_write(Channel::Log, line, n);
  // isa-debug-exit: QEMU exits with (value << 1) | 1; the host prefers the record above.
  outl(0xF4, (u32)status);
  // Real hardware (or QEMU without the device): stop here.
  for (;;) asm volatile("cli; hlt");
}

void kernel_panic(const char* fmt, ...) {
  char buf[256];
  struct Sink final : FormatSink {
    char* b;
    usize len = 0;
    void put(const char* s, usize k) override {
      for (usize i = 0; i < k; i++)
        if (len + 1 < 256) b[len++] = s[i];
    }
  } sink;
  sink.b = buf;
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  format_to(sink, fmt, ap);
  __builtin_va_end(ap);
  buf[sink.len] = 0;
  kerror("kernel panic: %s\n", buf);
  machine_exit(kExitKernelPanic);
}
