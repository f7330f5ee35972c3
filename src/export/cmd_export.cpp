// bareflow export MODULE... -o OUT [--profile-from CACHE_DIR|PROFILE.json]... [OPTIONS]
#include <cstdio>
#include <cstring>
#include <string>

#include "export/export.h"

namespace {

const char kUsage[] =
    "usage: bareflow export MODULE... -o OUT [--profile-from CACHE_DIR|PROFILE.json]... [OPTIONS]\n"
    "Compiles a program and what its profiled runs learned into a small static executable\n"
    "(no LLVM, interpreter or libffi inside) that runs on Linux and in the unikernel. The program\n"
    "is its modules as `bareflow run` takes them: bitcode or IR text, several linked into one.\n\n"
    "  -o OUT                       the executable to write (atomically)\n"
    "  --profile-from CACHE_DIR|PROFILE.json\n"
    "                               the profile store of the program in a code cache, or a\n"
    "                               profile file (bareflow run --no-cache --profile-out);\n"
    "                               repeat it to sum several (default: the store in the\n"
    "                               code cache that bareflow run uses)\n"
    "  --cpu host|x86-64|x86-64-v2|x86-64-v3\n"
    "                               the CPU to optimize for (default host; x86-64: portable)\n"
    "  --libc musl|glibc            the static libc to link (default musl, the smallest)\n"
    "  --drop-unexecuted            functions no profiled run executed become a stub that\n"
    "                               names them and exits with status 70\n"
    "  --report REPORT.json         write what the export did as JSON\n"
    "  -h, --help                   this text\n";

enum class Parsed { go, help, malformed };

// `--name VALUE` or `--name=VALUE`.
bool option_value(int argc, char** argv, int& i, const char* name, std::string& value, std::string& error) {
  const size_t n = strlen(name);
  if (strncmp(argv[i], name, n) != 0) return false;
  if (argv[i][n] == '=') {
    value = argv[i] + n + 1;
    return true;
  }
  if (argv[i][n] != '\0') return false;
  if (i + 1 >= argc) {
    error = std::string(name) + " needs a value";
    value.clear();
    return true;
  }
  value = argv[++i];
  return true;
}

Parsed parse(int argc, char** argv, bf::exporter::ExportRequest& request, std::string& error) {
  for (int i = 1; i < argc && error.empty(); i++) {
    std::string a = argv[i], value;
    if (a == "-h" || a == "--help") return Parsed::help;
    if (option_value(argc, argv, i, "-o", value, error)) {
      request.output = value;
    } else if (option_value(argc, argv, i, "--profile-from", value, error)) {
      request.profiles.push_back(value);
    } else if (option_value(argc, argv, i, "--cpu", value, error)) {
      request.cpu = value;
    } else if (option_value(argc, argv, i, "--libc", value, error)) {
      if (value == "musl") request.libc = bf::exporter::Libc::musl;
      else if (value == "glibc") request.libc = bf::exporter::Libc::glibc;
      else if (error.empty()) error = "--libc " + value + ": not musl or glibc";
    } else if (option_value(argc, argv, i, "--report", value, error)) {
      request.report = value;
    } else if (a == "--drop-unexecuted") {
      request.drop_unexecuted = true;
    } else if (!a.empty() && a[0] == '-') {
      error = "unknown option '" + a + "'";
    } else {
      if (request.app.empty()) request.app = a;
      request.modules.push_back(a);
    }
  }
  if (error.empty() && request.app.empty()) error = "no program given";
  if (error.empty() && request.output.empty()) error = "no output given (-o OUT)";
  return error.empty() ? Parsed::go : Parsed::malformed;
}

}  // namespace

int bf_cmd_export(int argc, char** argv) {
  bf::exporter::ExportRequest request;
  std::string error;
  switch (parse(argc, argv, request, error)) {
    case Parsed::help:
      fputs(kUsage, stdout);
      return 0;
    case Parsed::malformed:
      fprintf(stderr, "bareflow: export: %s\n%s", error.c_str(), kUsage);
      return 2;
    case Parsed::go:
      break;
  }
  bf::exporter::ExportReport report;
  if (!bf::exporter::export_program(request, report, error)) {
    fprintf(stderr, "bareflow: export: %s\n", error.c_str());
    return 1;
  }
  fputs(bf::exporter::report_text(report).c_str(), stderr);
  return 0;
}
