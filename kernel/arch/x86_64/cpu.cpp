#include "arch/x86_64/cpu.h"

#include "console.h"
#include "mm/memory.h"

extern "C" const u64 exc_stub_table[32];
extern "C" void syscall_entry();
bool cpu_use_xsave = false;
void (*exit_hook)() = nullptr;

namespace {

struct PACKED Tss {
  u32 reserved0;
  u64 rsp[3];
  u64 reserved1;
  u64 ist[7];
  u64 reserved2;
  u16 reserved3;
  u16 iomap_base;
};
static_assert(sizeof(Tss) == 104);

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

alignas(16) u64 gdt[5];
alignas(16) Tss tss;
alignas(16) IdtEntry idt[32];
constexpr usize kIstSize = 32 * 1024;
alignas(16) u8 ist_stacks[3][kIstSize];
bool has_rdrand = false;
char features[128];

void load_gdt() {
  gdt[0] = 0;
  gdt[1] = 0x00AF9A000000FFFF;  // 0x08 code
  gdt[2] = 0x00CF92000000FFFF;  // 0x10 data
  uptr base = (uptr)&tss;
  u64 limit = sizeof(Tss) - 1;
  gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89UL << 40) | (((limit >> 16) & 0xF) << 48) |
           (((base >> 24) & 0xFF) << 56);
  gdt[4] = base >> 32;
  for (int i = 0; i < 3; i++) tss.ist[i] = (u64)(ist_stacks[i] + kIstSize);
  tss.iomap_base = sizeof(Tss);
  DescriptorPointer p{sizeof gdt - 1, (u64)gdt};
  asm volatile(
      "lgdt %0\n"
      "pushq $0x08\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "lretq\n"
      "1: movw $0x10, %%ax\n"
      "movw %%ax, %%ds\nmovw %%ax, %%es\nmovw %%ax, %%ss\n"
      "movw $0x18, %%ax\nltr %%ax\n" ::"m"(p)
      : "rax", "memory");
}

void load_idt() {
  for (int v = 0; v < 32; v++) {
    u64 a = exc_stub_table[v];
    IdtEntry& e = idt[v];
    e.offset_low = a & 0xFFFF;
    e.selector = 0x08;
    e.ist = v == 8 ? 2 : (v == 2 || v == 18) ? 3 : 1;  // double fault, NMI/MCE on their own stacks
    e.type = 0x8E;
    e.offset_mid = (a >> 16) & 0xFFFF;
    e.offset_high = a >> 32;
    e.reserved = 0;
  }
  DescriptorPointer p{sizeof idt - 1, (u64)idt};
  asm volatile("lidt %0" ::"m"(p));
}

void enable_simd() {
  u32 a, b, c, d;
  cpuid(1, 0, &a, &b, &c, &d);
  bool xsave = c & (1u << 26), avx = c & (1u << 28);
  has_rdrand = c & (1u << 30);
  u64 cr0, cr4;
  asm volatile("mov %%cr0, %0" : "=r"(cr0));
  cr0 = (cr0 & ~(1UL << 2)) | (1UL << 1);  // EM off, MP on
  asm volatile("mov %0, %%cr0" ::"r"(cr0));
  asm volatile("mov %%cr4, %0" : "=r"(cr4));
  cr4 |= (1UL << 9) | (1UL << 10);  // OSFXSR, OSXMMEXCPT
  if (xsave) cr4 |= 1UL << 18;      // OSXSAVE
  u32 a7, b7, c7, d7;
  cpuid(7, 0, &a7, &b7, &c7, &d7);
  if (b7 & 1) cr4 |= 1UL << 16;  // FSGSBASE, for programs that read their TLS base directly
  asm volatile("mov %0, %%cr4" ::"r"(cr4));
  bool avx2 = false;
  if (xsave) {
    u64 xcr0 = 3 | (avx ? 4 : 0);  // x87, SSE, AVX
    asm volatile("xsetbv" ::"c"(0), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32)));
    u32 size, x1, x2, x3;
    cpuid(0xD, 0, &x1, &size, &x2, &x3);  // EBX: bytes needed for the enabled features
    if (size > 8192) kernel_panic("xsave area of %u bytes is larger than reserved", size);
    cpu_use_xsave = true;
    avx2 = avx && (b7 & (1u << 5));
  }
  snprint(features, sizeof features, "sse2%s%s%s%s%s", xsave ? " xsave" : "", avx ? " avx" : "",
          avx2 ? " avx2" : "", (b7 & 1) ? " fsgsbase" : "", has_rdrand ? " rdrand" : "");
}

void enable_syscall() {
  wrmsr(0xC0000080, rdmsr(0xC0000080) | 1);  // EFER.SCE
  wrmsr(0xC0000081, (0x08UL << 32) | (0x08UL << 48));  // STAR: kernel CS 0x08, SS 0x10
  wrmsr(0xC0000082, (u64)&syscall_entry);              // LSTAR
  wrmsr(0xC0000084, 0x47700);                          // SFMASK: TF, IF, DF, IOPL, AC, NT
}

const char* exception_name(u64 v) {
  static const char* const names[] = {"divide error", "debug", "NMI", "breakpoint", "overflow",
                                      "bound range", "invalid opcode", "device not available",
                                      "double fault", "coprocessor overrun", "invalid TSS",
                                      "segment not present", "stack fault", "general protection",
                                      "page fault", "reserved", "x87 floating point", "alignment check",
                                      "machine check", "SIMD floating point"};
  return v < sizeof names / sizeof names[0] ? names[v] : "reserved";
}

int signal_for(u64 v) {
  switch (v) {
    case 0: case 16: case 19: return 8;  // SIGFPE
    case 6: return 4;                    // SIGILL
    case 3: case 1: return 5;            // SIGTRAP
    case 17: return 7;                   // SIGBUS
    default: return 11;                  // SIGSEGV
  }
}

}  // namespace

void cpu_init() {
  // Mask the legacy PICs: the kernel polls and never takes interrupts.
  outb(0x21, 0xFF);
  outb(0xA1, 0xFF);
  load_gdt();
  load_idt();
  enable_simd();
  enable_syscall();
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

void dump_registers(const ExceptionFrame& f) {
  u64 cr2;
  asm volatile("mov %%cr2, %0" : "=r"(cr2));
  kerror("  rip=%016lx rsp=%016lx rflags=%016lx cr2=%016lx\n", f.rip, f.rsp, f.rflags, cr2);
  kerror("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
  kerror("  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
  kerror("  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", f.r9, f.r10, f.r11, f.r12);
  kerror("  r13=%016lx r14=%016lx r15=%016lx\n", f.r13, f.r14, f.r15);
}

extern "C" void exception_dispatch(ExceptionFrame* f) {
  u64 cr2;
  asm volatile("mov %%cr2, %0" : "=r"(cr2));
  if (f->vector == 14 && mm_handle_page_fault(cr2, f->error)) return;
  bool in_kernel = f->rip >= 0xFFFF800000000000UL;
  // A kernel fault while copying to or from the program's memory is the program's fault.
  if (in_kernel && !(f->vector == 14 && cr2 < kUserTop)) {
    kerror("kernel panic: %s (vector %lu, error %lx) at rip %016lx, address %016lx\n",
           exception_name(f->vector), f->vector, f->error, f->rip, cr2);
    dump_registers(*f);
    machine_exit(kExitKernelPanic);
  }
  int sig = signal_for(f->vector);
  if (f->vector == 14)
    kerror("program fault: page fault (vector 14, error %lx) at rip %016lx: %s address %016lx%s\n",
           f->error, f->rip, (f->error & 2) ? "write to" : "read from", cr2,
           cr2 < 4096 ? " (NULL pointer)" : " (not mapped)");
  else
    kerror("program fault: %s (vector %lu, error %lx) at rip %016lx, address %016lx\n",
           exception_name(f->vector), f->vector, f->error, f->rip, cr2);
  dump_registers(*f);
  if (exit_hook) exit_hook();
  machine_exit(kExitSignalBase + sig);
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
