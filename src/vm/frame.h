// Layout of a tier-0 frame: a block of the per-thread interpreter stack, addressed by byte
// offsets (slots) from its start. The translator assigns the slots, the interpreter fills
// them, a JIT tier's on-stack replacement reads them (Code::value_slots).
//
//   [0, 64)                result: RET leaves the return value here for the caller
//   [64, 72)               variadic functions: pointer to the variadic area (below)
//   [72, 80)               the running Function* (crash reports name it)
//   [80, 88)               the caller's frame, or null (ThreadStack::top is the innermost)
//   [88, 96)               the native stack pointer of the call (what runs below it is deeper)
//   [96, 96 + constants)   the constant pool (Code::constants), copied in at every entry
//   then                   parameters (Code::param_slots), then every value in function order
//                          (Code::value_slots), then temporaries; up to Code::frame_size
//
// Slots are 8-byte aligned (16 and 32 for 16- and 32-byte values); frames are 32-byte aligned.
//
// The variadic area of a call, laid out as the native SysV caller would leave it, so that the
// va_arg lowering clang emits and host vprintf read the same values: va_start's gp_offset and
// fp_offset, the register save area (6 integer registers, 8 SSE registers of 16 bytes) holding
// the variadic arguments the native call passes in registers, then the overflow area with the
// rest (8-byte aligned, 16 for 16-byte aligned types).
//   [0, 4) gp_offset  [4, 8) fp_offset  [16, 192) register save area  [192, ...) overflow area
#pragma once

#include <cstdint>

namespace bf::vm {

constexpr uint32_t kResultSlot = 0;
constexpr uint32_t kResultBytes = 64;
constexpr uint32_t kVarargSlot = 64;
constexpr uint32_t kFrameFunction = 72;
constexpr uint32_t kFrameCaller = 80;
constexpr uint32_t kFrameNativeSp = 88;
constexpr uint32_t kFrameAlign = 32;
constexpr uint32_t kConstBase = (kFrameNativeSp + 8 + kFrameAlign - 1) / kFrameAlign * kFrameAlign;
static_assert(kConstBase == 96);
constexpr uint32_t kVaRegSave = 16;
constexpr uint32_t kVaOverflow = kVaRegSave + 6 * 8 + 8 * 16;

}  // namespace bf::vm
