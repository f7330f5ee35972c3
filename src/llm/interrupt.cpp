#include "llm/interrupt.h"

#include <csignal>
#include <cstring>

namespace bf::llm {

namespace {
volatile sig_atomic_t g_interrupted = 0;
}

void install_interrupt_handler(bool once) {
#ifndef BF_LLM_BITCODE
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) { g_interrupted = 1; };
  sa.sa_flags = once ? SA_RESETHAND : 0;
  sigaction(SIGINT, &sa, nullptr);
#else
  (void)once;
#endif
}

bool interrupted() { return g_interrupted != 0; }
void clear_interrupt() { g_interrupted = 0; }

}  // namespace bf::llm
