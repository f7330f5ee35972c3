// The engine commands' command line (generate, chat, serve and the llama app): llama.cpp's
// option names, a table per group of options so that --help lists every one with its meaning,
// and the options every engine command shares (model, context, threads, sampling).
#pragma once

#include <cstdint>
#include <span>

#include "llm/sampler.h"

namespace bf::llm {

struct Option {
  const char* names;  // "-t, --threads": every spelling, comma-separated
  const char* value;  // the value's placeholder ("N"), or nullptr for a flag
  const char* help;   // one line
  int id;
};

// A command's options: its groups in the order --help prints them.
struct CommandLine {
  const char* command;  // "generate": messages read "bareflow generate: ..."
  const char* usage;    // the usage line after "usage: bareflow "
  std::span<const std::span<const Option>> groups;
  // Called for each option (value nullptr for a flag) and with id kPositional for an argument
  // that is not an option. Returns false when the value is bad (or the argument unexpected).
  bool (*apply)(void* ctx, int id, const char* value);
  void* ctx;
};

constexpr int kPositional = -1;

// Parses argv[1..]. Returns 0 to go on, -1 after printing --help (exit 0), or 1 after printing
// one line naming the option and the problem (exit 1).
int parse_command_line(const CommandLine& cl, int argc, char** argv);
void print_help(const CommandLine& cl);

// What every engine command takes: the model, its tokenizer, the context, threads, sampling.
struct EngineOptions {
  const char* model = nullptr;
  const char* tokenizer = nullptr;
  int n_ctx = 0;    // 0: the model's seq_len
  int threads = 0;  // 0: one per core
  SamplerParams sampling;
  bool seed_given = false;  // else the seed comes from the clock
  bool ignore_eos = false;
  static constexpr int kMaxStops = 8;
  const char* stops[kMaxStops] = {};
  int n_stops = 0;
};

enum EngineOptionId {
  kOptModel = 1000, kOptTokenizer, kOptCtx, kOptThreads, kOptTemp, kOptTopK, kOptTopP, kOptMinP,
  kOptRepeatPenalty, kOptRepeatLastN, kOptSeed, kOptIgnoreEos, kOptReversePrompt, kOptGpuLayers,
};

// Constant tables (no dynamic initialization: the interpreter's programs need none).
inline constexpr Option kModelOptions[] = {
    {"-m, --model", "FILE", "checkpoint: llama2.c .bin (version 0, 1, 2) or GGUF", kOptModel},
    {"-z, --tokenizer", "FILE", "llama2.c tokenizer.bin (default: the vocabulary inside a GGUF model)", kOptTokenizer},
    {"-c, --ctx-size", "N", "context size in tokens, prompt included; 0 = the model's (default 0)", kOptCtx},
    {"-t, --threads", "N", "threads for the matrix products (default: one per core)", kOptThreads},
    {"-ngl, --n-gpu-layers, --gpu-layers", "N", "accepted for llama.cpp habits; there is no GPU offload (ignored with a note)", kOptGpuLayers},
};

inline constexpr Option kSamplingOptions[] = {
    {"--temp, --temperature", "T", "sampling temperature; 0 = greedy, always the most likely token (default 0.8)", kOptTemp},
    {"--top-k", "N", "keep the N most likely tokens; 0 = off (default 40)", kOptTopK},
    {"--top-p", "P", "keep the most likely tokens until their mass exceeds P; 1 = off (default 0.95)", kOptTopP},
    {"--min-p", "P", "drop tokens less likely than P times the most likely; 0 = off (default 0.05)", kOptMinP},
    {"--repeat-penalty", "X", "divide the odds of recently seen tokens by X; 1 = off (default 1.0)", kOptRepeatPenalty},
    {"--repeat-last-n", "N", "how many recent tokens the penalty looks at; 0 = off, -1 = the context (default 64)", kOptRepeatLastN},
    {"-s, --seed", "N", "random seed; -1 = from the clock (default -1; the seed used is printed)", kOptSeed},
    {"--ignore-eos", nullptr, "never end on the end-of-text token: generate until -n or the context is full", kOptIgnoreEos},
    {"-r, --reverse-prompt", "TEXT", "stop when the output reaches TEXT (not printed); repeat for several, up to 8", kOptReversePrompt},
};

// Applies an EngineOptionId, or kPositional (the model, once); false for a bad value or an id
// that is not one of them.
bool apply_engine_option(EngineOptions& o, const char* command, int id, const char* value);

// The seed to use: the given one, else one drawn from the clock (and kept in `o`).
uint64_t resolve_seed(EngineOptions& o);

bool parse_int(const char* s, long min, long max, int& out);
bool parse_float(const char* s, float min, float max, float& out);

}  // namespace bf::llm
