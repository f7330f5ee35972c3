// Legacy virtio over PCI (an I/O BAR, the 0.9.5 register layout): finding a device, the status
// handshake and feature negotiation, and polled virtqueues. Shared by virtio-blk and the console.
#pragma once
#include "lib/lib.h"

struct PACKED VirtqDesc {
  u64 addr;
  u32 len;
  u16 flags, next;
};
static_assert(sizeof(VirtqDesc) == 16);
enum : u16 { kVirtqDescNext = 1, kVirtqDescWrite = 2 };

struct Virtqueue {
  u16 io = 0, index = 0, size = 0;
  VirtqDesc* desc = nullptr;
  volatile u16* avail = nullptr;  // flags, idx, ring[size]
  volatile u16* used_idx = nullptr;
  u16 last_used = 0;
  // Offers the chain starting at descriptor 0, notifies the device and polls until it is used.
  void run();
};

// The I/O base of the `nth` legacy virtio device (1af4:device_id) in PCI slot order, bus
// mastering enabled; 0 when there is none.
u16 virtio_find(u16 device_id, int nth);
// Reset, acknowledge, and accept the offered features among `wanted`; returns the accepted ones.
u32 virtio_negotiate(u16 io, u32 wanted);
bool virtio_queue_init(u16 io, u16 index, Virtqueue* q);  // the ring in contiguous frames
void virtio_ready(u16 io);                                // DRIVER_OK
constexpr u16 kVirtioConfig = 0x14;                       // device-specific registers start here
