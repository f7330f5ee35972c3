// Front ends of the engine, shared by the bareflow subcommands (cmd_*.cpp) and the llama app
// (apps/llama), which take the same flags. Each returns the process exit status.
#pragma once

namespace bf::llm {

// generate -m MODEL [-p PROMPT | -f FILE] [-n N] [OPTIONS] (--help lists them). With -cnv it
// calls `conversation` with the same arguments (chat; nullptr in the llama app, which has none).
int generate_main(int argc, char** argv, int (*conversation)(int, char**) = nullptr);
// quantize IN OUT [--group-size G] [--gguf [-z TOKENIZER]]
int quantize_main(int argc, char** argv);
// synth --shape NAME [--q8] [--seed S] OUT
int synth_main(int argc, char** argv);

}  // namespace bf::llm
