// bareflow serve: the OpenAI-compatible HTTP server (docs/serve.md). Native only: it uses
// cpp-httplib, nlohmann/json and exceptions, none of which the engine's bitcode may import.
#pragma once

namespace bf::llm::server {

// serve -m MODEL [--host 127.0.0.1] [--port 8080] [--parallel N] [OPTIONS]; the exit status.
int serve_main(int argc, char** argv);

}  // namespace bf::llm::server
