// The llama app: Llama inference (llama2.c and GGUF checkpoints) with the flags of
// `bareflow generate`. It ships as LLVM bitcode (llama.bc) for BareFlow's runtime, and natively.
#include "llm/commands.h"

int main(int argc, char** argv) { return bf::llm::generate_main(argc, argv); }
