#include "arch/x86_64/apic.h"

#include "arch/x86_64/trap.h"
#include "console.h"
#include "mm/memory.h"
#include "time.h"

namespace {

enum : u32 {
  kRegId = 0x20, kRegTpr = 0x80, kRegEoi = 0xB0, kRegSvr = 0xF0, kRegIcrLow = 0x300, kRegIcrHigh = 0x310,
  kRegLvtTimer = 0x320, kRegInitialCount = 0x380, kRegCurrentCount = 0x390, kRegDivide = 0x3E0,
};
enum : u32 { kMsrApicBase = 0x1B, kMsrTscDeadline = 0x6E0 };
constexpr u32 kSvrEnable = 0x100, kLvtMasked = 0x10000, kLvtTscDeadline = 2u << 17;
constexpr u32 kDivideBy16 = 3;
constexpr u32 kIcrPending = 1u << 12;

volatile u32* regs = nullptr;
bool tsc_deadline = false;
u64 timer_hz = 0;  // one-shot mode: timer ticks per second after the divider

u32 read(u32 reg) { return regs[reg / 4]; }
void write(u32 reg, u32 v) { regs[reg / 4] = v; }

// One-shot mode counts down a bus clock: measure it against the (already calibrated) TSC.
void calibrate() {
  write(kRegDivide, kDivideBy16);
  write(kRegLvtTimer, kLvtMasked | (u32)kVectorTimer);
  u64 start = time_monotonic_ns();
  write(kRegInitialCount, 0xFFFFFFFF);
  while (time_monotonic_ns() - start < 10000000) asm volatile("pause");
  u32 left = read(kRegCurrentCount);
  u64 elapsed = time_monotonic_ns() - start;
  write(kRegInitialCount, 0);
  timer_hz = (u64)(0xFFFFFFFFu - left) * 1000000000UL / elapsed;
  if (!timer_hz) timer_hz = 1000000;
}

void send(u32 apic, u32 command) {
  while (read(kRegIcrLow) & kIcrPending) asm volatile("pause");
  write(kRegIcrHigh, apic << 24);
  write(kRegIcrLow, command);
  while (read(kRegIcrLow) & kIcrPending) asm volatile("pause");
}

}  // namespace

void apic_init() {
  u64 base = rdmsr(kMsrApicBase);
  wrmsr(kMsrApicBase, base | (1UL << 11));  // globally enabled
  regs = (volatile u32*)phys_to_virt(base & 0xFFFFF000UL);
  write(kRegTpr, 0);
  write(kRegSvr, kSvrEnable | (u32)kVectorSpurious);
  u32 a, b, c, d;
  cpuid(1, 0, &a, &b, &c, &d);
  tsc_deadline = c & (1u << 24);
  if (tsc_deadline) {
    write(kRegLvtTimer, kLvtTscDeadline | (u32)kVectorTimer);
  } else {
    if (!timer_hz) calibrate();
    write(kRegDivide, kDivideBy16);
    write(kRegLvtTimer, (u32)kVectorTimer);  // one-shot
  }
}

u32 apic_id() { return read(kRegId) >> 24; }
void apic_eoi() { write(kRegEoi, 0); }

void apic_timer_arm(u64 deadline) {
  if (tsc_deadline) {
    wrmsr(kMsrTscDeadline, deadline ? time_tsc_at(deadline) : 0);
    return;
  }
  if (!deadline) {
    write(kRegInitialCount, 0);
    return;
  }
  u64 now = time_monotonic_ns();
  u64 ns = deadline > now ? deadline - now : 0;
  // Far deadlines are cut to a second: the timer then fires early, and is armed again.
  u64 ticks = min_of(ns, 1000000000UL) * timer_hz / 1000000000UL + 1;
  write(kRegInitialCount, (u32)min_of(ticks, (u64)0xFFFFFFFF));
}

void apic_send_ipi(u32 apic, u8 vector) { send(apic, vector); }
void apic_send_init(u32 apic) { send(apic, 0x4500); }  // INIT, level assert
void apic_send_startup(u32 apic, u8 page) { send(apic, 0x4600 | page); }

const char* apic_timer_mode() { return tsc_deadline ? "TSC-deadline" : "one-shot"; }
