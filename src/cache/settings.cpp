// The cache's settings as given on the command line: mode, size, the default directory.
#include <cstdlib>

#include "cache/cache.h"

namespace bf::cache {

bool parse_mode(std::string_view text, Mode& mode) {
  if (text == "read-write" || text == "on") mode = Mode::read_write;
  else if (text == "read-only") mode = Mode::read_only;
  else if (text == "off") mode = Mode::off;
  else return false;
  return true;
}

bool parse_size(std::string_view text, uint64_t& bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') digits++;
  if (digits == 0 || digits > 19) return false;
  uint64_t n = std::strtoull(std::string(text.substr(0, digits)).c_str(), nullptr, 10);
  std::string_view unit = text.substr(digits);
  static const struct {
    const char* names[3];
    int shift;
  } units[] = {{{"", "B", nullptr}, 0},       {{"K", "KiB", "k"}, 10}, {{"M", "MiB", nullptr}, 20},
               {{"G", "GiB", nullptr}, 30}, {{"T", "TiB", nullptr}, 40}};
  for (const auto& u : units) {
    for (const char* name : u.names) {
      if (!name || unit != name) continue;
      if (u.shift && n > (UINT64_MAX >> u.shift)) return false;
      bytes = n << u.shift;
      return true;
    }
  }
  return false;
}

std::string default_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (std::string dir = env("BAREFLOW_CACHE_DIR"); !dir.empty()) return dir;
  // The XDG base directory spec: a relative XDG_CACHE_HOME is invalid and ignored.
  if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg[0] == '/') return xdg + "/bareflow";
  if (std::string home = env("HOME"); !home.empty()) return home + "/.cache/bareflow";
  return "";
}

}  // namespace bf::cache
