// Vector operations compiled for the generic instruction set (see vecops_impl.inc).
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

#include "vm/vecops.h"

namespace bf::vm::vecops_generic {
#include "vm/vecops_impl.inc"
}  // namespace bf::vm::vecops_generic

namespace bf::vm {
ExtOps make_ext_ops_generic() { return vecops_generic::make_ops(); }
}  // namespace bf::vm
