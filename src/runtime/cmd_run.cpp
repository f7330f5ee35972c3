// bareflow run [OPTIONS] APP.bc [--] [ARGS...]  (run_request.cpp has the options)
#include <cstdio>

#include "runtime/run_request.h"
#include "runtime/session.h"

int bf_cmd_run(int argc, char** argv) {
  using namespace bf::runtime;
  RunRequest request;
  std::string error;
  switch (parse_run_request(argc, argv, request, error)) {
    case Parsed::help:
      fputs(run_usage().c_str(), stdout);
      return 0;
    case Parsed::list_params:
      fputs(bf::jit::describe_params(request.jit.params).c_str(), stdout);
      return 0;
    case Parsed::malformed:
      fprintf(stderr, "bareflow: %s\n%s", error.c_str(), run_usage().c_str());
      return 2;
    case Parsed::run:
      break;
  }
  return run(request);
}
