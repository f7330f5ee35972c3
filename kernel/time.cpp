#include "time.h"

#include "console.h"

namespace {

u64 tsc_hz = 1000000000;
u64 tsc_boot = 0;
u64 epoch_at_boot_ns = 0;

u8 cmos(u8 reg) {
  outb(0x70, reg);
  return inb(0x71);
}

u64 days_from_civil(i64 y, unsigned m, unsigned d) {
  y -= m <= 2;
  i64 era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (u64)(era * 146097 + (i64)doe - 719468);
}

u64 read_rtc_unix() {
  while (cmos(0x0A) & 0x80) {
  }  // update in progress
  u8 sec = cmos(0), min = cmos(2), hour = cmos(4), day = cmos(7), mon = cmos(8), year = cmos(9);
  u8 status_b = cmos(0x0B);
  auto bcd = [](u8 v) { return (u8)((v & 0x0F) + (v >> 4) * 10); };
  bool pm = hour & 0x80;
  hour &= 0x7F;
  if (!(status_b & 0x04)) sec = bcd(sec), min = bcd(min), hour = bcd(hour), day = bcd(day), mon = bcd(mon), year = bcd(year);
  if (!(status_b & 0x02) && pm) hour = (hour + 12) % 24;
  if (mon < 1 || mon > 12 || day < 1 || day > 31) return 0;
  return days_from_civil(2000 + year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

}  // namespace

void time_init() {
  // Count TSC ticks over 10 ms of PIT channel 2 (mode 0, gate through port 0x61).
  constexpr u32 kPitHz = 1193182, kTicks = kPitHz / 100;
  outb(0x61, (inb(0x61) & ~0x02) | 0x01);
  outb(0x43, 0xB0);
  outb(0x42, kTicks & 0xFF);
  outb(0x42, kTicks >> 8);
  u64 t0 = rdtsc();
  u64 spins = 0;
  while (!(inb(0x61) & 0x20) && ++spins < 100000000) {
  }
  u64 t1 = rdtsc();
  if (t1 > t0 && spins < 100000000) tsc_hz = (t1 - t0) * 100;
  tsc_boot = rdtsc();
  epoch_at_boot_ns = read_rtc_unix() * 1000000000UL;
  klog("time: TSC %lu kHz, RTC %lu\n", tsc_hz / 1000, epoch_at_boot_ns / 1000000000UL);
}

u64 time_monotonic_ns() {
  u64 t = rdtsc() - tsc_boot;
  return t / tsc_hz * 1000000000UL + (t % tsc_hz) * 1000000000UL / tsc_hz;
}

u64 time_tsc_at(u64 ns) {
  return tsc_boot + ns / 1000000000UL * tsc_hz + ns % 1000000000UL * tsc_hz / 1000000000UL;
}

u64 time_realtime_ns() { return epoch_at_boot_ns + time_monotonic_ns(); }

void time_to_dos(u64 t, u16* date, u16* time) {
  u64 days = t / 86400, rem = t % 86400;
  // civil_from_days
  i64 z = (i64)days + 719468;
  i64 era = z / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  i64 y = (i64)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 1980) y = 1980, m = 1, d = 1, rem = 0;
  *date = (u16)(((y - 1980) << 9) | (m << 5) | d);
  *time = (u16)(((rem / 3600) << 11) | (((rem / 60) % 60) << 5) | ((rem % 60) / 2));
}
