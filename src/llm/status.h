// Error reporting without exceptions: loaders take a Status&, record the first problem in it and
// return false; front ends print `bareflow: FILE: problem` and exit 1.
#pragma once

#include <cstdarg>
#include <cstdio>

namespace bf::llm {

class Status {
 public:
  bool ok() const { return !failed_; }
  const char* message() const { return message_; }

  // Records a problem (printf-style), keeping the first one if several are reported. Returns
  // false so that `return st.fail(...)` reads naturally.
  __attribute__((format(printf, 2, 3))) bool fail(const char* fmt, ...) {
    if (failed_) return false;
    failed_ = true;
    va_list args;
    va_start(args, fmt);
    vsnprintf(message_, sizeof message_, fmt, args);
    va_end(args);
    return false;
  }

 private:
  bool failed_ = false;
  char message_[256] = {};
};

// One line on stderr, `bareflow: WHAT: problem`.
inline void report_error(const char* what, const Status& st) {
  fprintf(stderr, "bareflow: %s: %s\n", what, st.message());
}

}  // namespace bf::llm
