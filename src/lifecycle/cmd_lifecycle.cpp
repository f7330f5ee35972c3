// bareflow lifecycle --dir DIR [--converge-after K] APP.bc|APP.ll [ARGS...] | MODULE... -- [ARGS...]
// bareflow lifecycle --show DIR|IMAGE [--svg FILE]
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "lifecycle/image.h"
#include "lifecycle/journal.h"
#include "lifecycle/lifecycle.h"

namespace {

const char kUsage[] =
    "usage: bareflow lifecycle --dir DIR [--converge-after K] APP.bc|APP.ll [ARGS...]\n"
    "       bareflow lifecycle --dir DIR [--converge-after K] MODULE... -- [ARGS...]\n"
    "       bareflow lifecycle --show DIR|IMAGE [--svg FILE]\n"
    "Each invocation is one boot of a program that optimizes itself over its runs: it grows (runs\n"
    "APP.bc with the JIT, the code cache in DIR) until K runs in a row compiled nothing new, then\n"
    "exports the program with the profile they gathered into DIR, and from then on runs that. The\n"
    "program is its modules as `bareflow run` takes them (bitcode or IR text; with '--', every word\n"
    "before it is a module, linked into one).\n\n"
    "  --dir DIR                    the state: cache/, lifecycle.jsonl, the appliance\n"
    "  --converge-after K           quiet runs in a row before the export (default 2)\n"
    "  --in-image                   a boot of an image (bareflow image --grow): run in this\n"
    "                               process, times from the machine's boot, and switch\n"
    "                               DIR/boot.cfg to the appliance when converged\n"
    "  --show DIR|IMAGE             print the lifecycle table of DIR, or of an image of\n"
    "                               bareflow image --grow, and write its plot\n"
    "  --svg FILE                   where --show writes the plot (default DIR/lifecycle.svg,\n"
    "                               IMAGE.svg)\n"
    "  -h, --help                   this text\n";

int malformed(const std::string& error) {
  fprintf(stderr, "bareflow: lifecycle: %s\n%s", error.c_str(), kUsage);
  return 2;
}

// DIR's journal, or an image's (bareflow image --grow), read with mtools.
int show(const std::string& dir, std::string svg) {
  std::vector<bf::lifecycle::Record> records;
  std::string error;
  struct stat st;
  const bool image = ::stat(dir.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  if (image ? !bf::lifecycle::read_image_journal(dir, records, error)
            : !bf::lifecycle::read_journal(bf::lifecycle::journal_path(dir), records, error)) {
    fprintf(stderr, "bareflow: lifecycle: %s\n", error.c_str());
    return 1;
  }
  fputs(bf::lifecycle::table_text(records).c_str(), stdout);
  if (svg.empty()) svg = image ? dir + ".svg" : dir + "/lifecycle.svg";
  std::ofstream out(svg, std::ios::trunc);
  out << bf::lifecycle::plot_svg(records);
  out.close();
  if (!out) {
    fprintf(stderr, "bareflow: lifecycle: %s: cannot write the plot\n", svg.c_str());
    return 1;
  }
  fprintf(stdout, "plot: %s\n", svg.c_str());
  return 0;
}

}  // namespace

int bf_cmd_lifecycle(int argc, char** argv) {
  bf::lifecycle::Request request;
  std::string show_dir, svg;
  int i = 1;
  for (; i < argc && request.app.empty(); i++) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--dir" || a == "--converge-after" || a == "--show" || a == "--svg") {
      if (i + 1 >= argc) return malformed(a + " needs a value");
      std::string v = argv[++i];
      if (a == "--dir") {
        request.dir = v;
      } else if (a == "--show") {
        show_dir = v;
      } else if (a == "--svg") {
        svg = v;
      } else {
        char* end = nullptr;
        long k = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end || k < 1 || k > 1000000) return malformed("--converge-after " + v + ": not a count from 1");
        request.converge_after = int(k);
      }
    } else if (a == "--in-image") {
      request.in_image = true;
    } else if (a == "--") {
      return malformed("'--' before the program");
    } else if (!a.empty() && a[0] == '-') {
      return malformed("unknown option '" + a + "'");
    } else {
      request.app = a;
    }
  }
  if (!show_dir.empty()) {
    if (!request.app.empty() || !request.dir.empty()) return malformed("--show takes a directory and nothing else");
    return show(show_dir, svg);
  }
  if (!svg.empty()) return malformed("--svg goes with --show");
  if (request.dir.empty()) return malformed("no state directory given (--dir DIR)");
  if (request.app.empty()) return malformed("no program given");
  if (!request.app.empty()) request.modules.push_back(request.app);
  // As for `bareflow run`: with a '--' after the first module, the words before it are modules.
  int separator = i;
  while (separator < argc && std::string(argv[separator]) != "--") separator++;
  if (separator < argc)
    for (; i < separator && argv[i][0] != '-'; i++) request.modules.push_back(argv[i]);
  if (i < argc && std::string(argv[i]) == "--") i++;
  for (; i < argc; i++) request.args.push_back(argv[i]);
  return bf::lifecycle::boot(request);
}
