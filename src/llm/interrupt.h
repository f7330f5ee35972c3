// Ctrl-C in the engine's commands: the handler only sets a flag, which generation polls between
// tokens (generate stops and prints its timings; chat stops the reply and asks for the next).
#pragma once

namespace bf::llm {

// once: the handler is removed after the first Ctrl-C, so that a second one kills (generate).
// Otherwise every Ctrl-C sets the flag; blocking reads return EINTR (chat's input line). Does
// nothing in the bitcode build: the interpreter imports no signal functions.
void install_interrupt_handler(bool once);
bool interrupted();
void clear_interrupt();

}  // namespace bf::llm
