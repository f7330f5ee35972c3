// bareflow serve: the OpenAI-compatible HTTP server (src/llm/server/server.h).
#include "llm/server/server.h"

int bf_cmd_serve(int argc, char** argv) { return bf::llm::server::serve_main(argc, argv); }
