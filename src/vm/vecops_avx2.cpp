// Vector operations compiled for the avx2 instruction set (see vecops_impl.inc).
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

#include "vm/vecops.h"

namespace bf::vm::vecops_avx2 {
#include "vm/vecops_impl.inc"
}  // namespace bf::vm::vecops_avx2

namespace bf::vm {
ExtOps make_ext_ops_avx2() { return vecops_avx2::make_ops(); }
}  // namespace bf::vm
