// Layout of a tier-0 frame: a block of the per-thread interpreter stack, addressed by byte
// offsets (slots) from its start. The translator assigns the slots, the interpreter fills
// them, a JIT tier's on-stack replacement reads them (Code::value_slots).
//
//   [0, 64)                result: RET leaves the return value here for the caller
//   [64, 72)               variadic functions: pointer to the extra arguments (SysV overflow area)
//   [96, 96 + constants)   the constant pool (Code::constants), copied in at every entry
//   then                   parameters (Code::param_slots), then every value in function order
//                          (Code::value_slots), then temporaries; up to Code::frame_size
//
// Slots are 8-byte aligned (16 and 32 for 16- and 32-byte values); frames are 32-byte aligned.
#pragma once

#include <cstdint>

namespace bf::vm {

constexpr uint32_t kResultSlot = 0;
constexpr uint32_t kResultBytes = 64;
constexpr uint32_t kVarargSlot = 64;
constexpr uint32_t kFrameAlign = 32;
constexpr uint32_t kConstBase = (kVarargSlot + 8 + kFrameAlign - 1) / kFrameAlign * kFrameAlign;
static_assert(kConstBase == 96);

}  // namespace bf::vm
