// What an export did, as JSON (--report, docs/export.md) and as a few lines for stderr.
#include <llvm/Demangle/Demangle.h>
#include <llvm/Support/Format.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>

#include "export/export.h"

namespace bf::exporter {

namespace {

std::string human(uint64_t bytes) {
  char text[32];
  if (bytes >= 1000 * 1000) snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
  else snprintf(text, sizeof text, "%.1f KB", bytes / 1e3);
  return text;
}

// How many times smaller the executable is than running the program under bareflow.
double shrink(const ExportReport& r) {
  return r.output_bytes ? double(r.bareflow_bytes + r.bitcode_bytes) / r.output_bytes : 0;
}

// A function's qualified name without its parameters, for people (the JSON keeps IR names).
std::string readable(const std::string& name) {
  llvm::ItaniumPartialDemangler demangler;
  // A suffix after a dot (".174": llvm-link's copy of a duplicate) is not part of the mangling.
  const std::string mangled = name.substr(0, name.find('.'));
  if (demangler.partialDemangle(mangled.c_str())) return name;  // C, or not mangled
  char* text = demangler.getFunctionName(nullptr, nullptr);
  std::string result = text ? text : name;
  free(text);
  return result;
}

}  // namespace

std::string report_json(const ExportReport& r) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::json::OStream j(os, 2);
  j.object([&] {
    j.attribute("app", r.app);
    j.attribute("output", r.output);
    j.attribute("cpu", r.cpu);
    j.attribute("libc", r.libc);
    j.attributeObject("functions", [&] {
      j.attribute("total", r.functions);
      j.attribute("executed", r.executed);
      j.attribute("cold", r.cold);
      j.attribute("dropped", r.dropped);
    });
    j.attributeObject("code_bytes", [&] {
      j.attribute("hot", static_cast<int64_t>(r.hot_code_bytes));
      j.attribute("cold", static_cast<int64_t>(r.cold_code_bytes));
    });
    j.attribute("output_bytes", static_cast<int64_t>(r.output_bytes));
    j.attribute("bareflow_bytes", static_cast<int64_t>(r.bareflow_bytes));
    j.attribute("bitcode_bytes", static_cast<int64_t>(r.bitcode_bytes));
    j.attribute("shrink", shrink(r));
    j.attributeObject("profile", [&] {
      j.attribute("runs", static_cast<int64_t>(r.profile_runs));
      j.attribute("timed", r.profile_timed);
      j.attributeArray("top", [&] {
        for (const FunctionTime& t : r.top)
          j.object([&] {
            j.attribute("name", t.name);
            j.attribute("calls", static_cast<int64_t>(t.calls));
            j.attribute("ms", t.ms);
            j.attribute("percent", t.percent);
          });
      });
    });
    j.attribute("seconds", r.seconds);
  });
  os << "\n";
  return s;
}

std::string report_text(const ExportReport& r) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "bareflow: export: " << r.app << " -> " << r.output << " (" << r.libc << ", " << r.cpu << ") in "
     << llvm::format("%.2f", r.seconds) << " s\n";
  os << "  functions: " << r.functions << " total, " << r.executed << " executed, " << r.cold << " cold, "
     << r.dropped << " dropped\n";
  os << "  code: " << human(r.hot_code_bytes) << " hot, " << human(r.cold_code_bytes) << " cold; executable "
     << human(r.output_bytes) << " against bareflow " << human(r.bareflow_bytes) << " + bitcode "
     << human(r.bitcode_bytes) << " (" << llvm::format("%.0f", shrink(r)) << "x smaller)\n";
  os << "  profile: " << r.profile_runs << (r.profile_runs == 1 ? " run" : " runs") << "; top by "
     << (r.profile_timed ? "time" : "calls") << ":";
  for (size_t i = 0; i < r.top.size() && i < 5; i++)
    os << (i ? ", " : " ") << readable(r.top[i].name) << " " << llvm::format("%.1f%%", r.top[i].percent);
  os << "\n";
  return s;
}

}  // namespace bf::exporter
