// AVX-512 kernels: not written yet; the dispatch (kernels.cpp) already asks for them.
#include "llm/kernels.h"

namespace bf::llm {

const Kernels* avx512_kernels() { return nullptr; }

}  // namespace bf::llm
