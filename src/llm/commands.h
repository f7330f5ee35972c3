// Front ends of the engine, shared by the bareflow subcommands (cmd_*.cpp) and the llama app
// (apps/llama), which take the same flags. Each returns the process exit status.
#pragma once

namespace bf::llm {

// generate -m MODEL [-z TOKENIZER] [-p PROMPT] [-n STEPS] [--temp T] [--top-p P] [--seed S]
//          [--threads N] [--json]
int generate_main(int argc, char** argv);
// quantize IN OUT [--group-size G] [--gguf [-z TOKENIZER]]
int quantize_main(int argc, char** argv);
// synth --shape NAME [--q8] [--seed S] OUT
int synth_main(int argc, char** argv);

}  // namespace bf::llm
