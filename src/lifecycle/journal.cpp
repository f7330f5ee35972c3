// The lifecycle journal: JSON lines through LLVM's JSON library, and its table and plot.
#include "lifecycle/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <llvm/Support/FormatVariadic.h>
#include <llvm/Support/JSON.h>

namespace bf::lifecycle {

namespace json = llvm::json;

std::string to_json_line(const Record& r) {
  json::Object tiers;
  for (const auto& [tier, n] : r.tiers) tiers[tier] = n;
  json::Object o{{"boot", r.boot}, {"phase", r.phase}, {"status", r.status}, {"module", r.module},
                 {"code_bytes", r.code_bytes}, {"tiers", std::move(tiers)}, {"compiles", r.compiles},
                 {"cache_hits", r.cache_hits}, {"end_s", r.end_s}};
  o["first_output_s"] = r.first_output_s ? json::Value(*r.first_output_s) : json::Value(nullptr);
  o["tok_s"] = r.tok_s ? json::Value(*r.tok_s) : json::Value(nullptr);
  if (r.export_s) o["export_s"] = *r.export_s;
  return llvm::formatv("{0}", json::Value(std::move(o))).str();
}

namespace {

bool from_json(const json::Value& v, Record& r) {
  const json::Object* o = v.getAsObject();
  if (!o) return false;
  auto u64 = [&](const char* key, uint64_t& out) {
    std::optional<int64_t> n = o->getInteger(key);
    if (!n || *n < 0) return false;
    out = uint64_t(*n);
    return true;
  };
  auto maybe = [&](const char* key, std::optional<double>& out) {
    const json::Value* x = o->get(key);
    if (!x || x->getAsNull()) return true;
    out = x->getAsNumber();
    return out.has_value();
  };
  std::optional<llvm::StringRef> phase = o->getString("phase"), module = o->getString("module");
  std::optional<int64_t> status = o->getInteger("status");
  std::optional<double> end = o->getNumber("end_s");
  if (!phase || !module || !status || !end) return false;
  r.phase = phase->str();
  r.module = module->str();
  r.status = int(*status);
  r.end_s = *end;
  if (!u64("boot", r.boot) || !u64("code_bytes", r.code_bytes) || !u64("compiles", r.compiles) ||
      !u64("cache_hits", r.cache_hits))
    return false;
  if (const json::Object* tiers = o->getObject("tiers"))
    for (const auto& [tier, n] : *tiers) {
      std::optional<int64_t> count = n.getAsInteger();
      if (!count || *count < 0) return false;
      r.tiers[tier.str()] = uint64_t(*count);
    }
  return maybe("first_output_s", r.first_output_s) && maybe("tok_s", r.tok_s) && maybe("export_s", r.export_s);
}

std::string fixed(std::optional<double> v, int digits) {
  if (!v) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, *v);
  return buf;
}

std::string tiers_text(const std::map<std::string, uint64_t>& tiers) {
  std::string out;
  for (const auto& [tier, n] : tiers) out += (out.empty() ? "" : " ") + tier + ":" + std::to_string(n);
  return out.empty() ? "-" : out;
}

}  // namespace

bool read_journal(const std::string& path, std::vector<Record>& records, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::string line;
  for (int n = 1; std::getline(in, line); n++) {
    if (line.empty()) continue;
    Record r;
    llvm::Expected<json::Value> v = json::parse(line);
    if (!v) {
      llvm::consumeError(v.takeError());
      error = path + ":" + std::to_string(n) + ": not a JSON line";
      return false;
    }
    if (!from_json(*v, r)) {
      error = path + ":" + std::to_string(n) + ": not a lifecycle record";
      return false;
    }
    records.push_back(std::move(r));
  }
  return true;
}

bool append_record(const std::string& path, const Record& r, std::string& error) {
  std::string line = to_json_line(r) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = ::write(fd, line.data(), line.size()) == ssize_t(line.size()) && ::fsync(fd) == 0;
  if (!ok) error = path + ": " + std::strerror(errno);
  ::close(fd);
  return ok;
}

std::string table_text(const std::vector<Record>& records) {
  std::string out = llvm::formatv("{0,4} {1,-10} {2,6} {3,12} {4,8} {5,6} {6,9} {7,8} {8,8}  {9}\n", "boot", "phase",
                                  "status", "code bytes", "compiles", "hits", "1st out s", "end s", "tok/s",
                                  "functions per tier")
                        .str();
  for (const Record& r : records)
    out += llvm::formatv("{0,4} {1,-10} {2,6} {3,12} {4,8} {5,6} {6,9} {7,8} {8,8}  {9}\n", r.boot, r.phase, r.status,
                         r.code_bytes, r.compiles, r.cache_hits, fixed(r.first_output_s, 3), fixed(r.end_s, 3),
                         fixed(r.tok_s, 1), tiers_text(r.tiers))
               .str();
  return out;
}

namespace {

// One panel: boot number (x) against a value (y), points coloured by phase.
std::string panel(const std::vector<Record>& records, double top, const char* title, bool log_scale,
                  double (*value)(const Record&)) {
  const double left = 70, width = 560, height = 200, x0 = left, y0 = top + 30;
  double hi = 0, lo = 1e300;
  for (const Record& r : records) {
    hi = std::max(hi, value(r));
    if (value(r) > 0) lo = std::min(lo, value(r));
  }
  if (hi <= 0) hi = 1;
  if (lo > hi) lo = hi;
  if (log_scale && lo == hi) lo = hi / 10;
  auto y_of = [&](double v) {
    double f = log_scale ? (v > 0 ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : 0) : v / hi;
    return y0 + height - f * height;
  };
  const size_t n = records.size();
  auto x_of = [&](size_t i) { return x0 + (n > 1 ? width * double(i) / double(n - 1) : width / 2); };
  std::string out = llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"14\">{2}</text>\n", left, top + 18, title).str();
  out += llvm::formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"none\" stroke=\"#888\"/>\n", x0,
                       y0, width, height).str();
  out += llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"11\" text-anchor=\"end\">{2}</text>\n", x0 - 4, y0 + 10,
                       fixed(hi, hi < 10 ? 3 : 0)).str();
  out += llvm::formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"11\" text-anchor=\"end\">{2}</text>\n", x0 - 4,
                       y0 + height, log_scale ? fixed(lo, lo < 10 ? 3 : 0) : "0").str();
  std::string line;
  for (size_t i = 0; i < n; i++) line += llvm::formatv("{0}{1:f1},{2:f1}", i ? " " : "", x_of(i), y_of(value(records[i]))).str();
  out += "<polyline fill=\"none\" stroke=\"#444\" points=\"" + line + "\"/>\n";
  for (size_t i = 0; i < n; i++) {
    const Record& r = records[i];
    const char* colour = r.phase == "appliance" ? "#2a7" : r.phase == "converged" ? "#d62" : "#36c";
    out += llvm::formatv("<circle cx=\"{0:f1}\" cy=\"{1:f1}\" r=\"4\" fill=\"{2}\"><title>boot {3}: {4}</title></circle>\n",
                         x_of(i), y_of(value(r)), colour, r.boot, r.phase).str();
    out += llvm::formatv("<text x=\"{0:f1}\" y=\"{1}\" font-size=\"10\" text-anchor=\"middle\">{2}</text>\n", x_of(i),
                         y0 + height + 14, r.boot).str();
  }
  return out;
}

}  // namespace

std::string plot_svg(const std::vector<Record>& records) {
  std::string out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"680\" height=\"560\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += panel(records, 0, "time to first output (s) by boot", false,
               [](const Record& r) { return r.first_output_s.value_or(r.end_s); });
  out += panel(records, 260, "bytes of code loaded by boot (log scale)", true,
               [](const Record& r) { return double(r.code_bytes); });
  out += "<text x=\"70\" y=\"548\" font-size=\"12\"><tspan fill=\"#36c\">\u25cf grow</tspan>  "
         "<tspan fill=\"#d62\">\u25cf converged (exported)</tspan>  <tspan fill=\"#2a7\">\u25cf appliance</tspan></text>\n";
  return out + "</svg>\n";
}

}  // namespace bf::lifecycle
