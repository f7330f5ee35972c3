// AVX2/FMA kernels. Not ready yet: the scalar set serves every CPU meanwhile.
#include "llm/kernels.h"

namespace bf::llm {

const Kernels* avx2_kernels() { return nullptr; }

}  // namespace bf::llm
