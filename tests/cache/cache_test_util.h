// Shared by the cache tests: a scratch cache directory per test, deterministic entries whose
// content follows from their key (so any reader can tell a complete one), trial counts that the
// soak script raises.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "cache/cache.h"

namespace bf::cache::test {

inline int trials(const char* env, int fallback) {
  const char* v = std::getenv(env);
  return v && *v ? std::atoi(v) : fallback;
}

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bf-cache-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    scratch_ = tmpl;
    dir_ = scratch_ + "/cache";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(scratch_, ec);
  }

  // Opens the store; warnings are collected in warnings_.
  std::unique_ptr<Store> open(Mode mode = Mode::read_write, uint64_t max_bytes = kDefaultMaxBytes) {
    std::string warning;
    Settings s{dir_, mode, max_bytes, [this](const std::string& w) { warnings_.push_back(w); }};
    auto store = Store::open(s, warning);
    if (!store) warnings_.push_back(warning);
    return store;
  }

  std::string object_path(const Digest& key) const {
    return dir_ + "/v1/objects/" + key.hex().substr(0, 2) + "/" + key.hex();
  }
  std::string module_path(const Digest& module, const char* file) const {
    return dir_ + "/v1/modules/" + module.hex() + "/" + file;
  }

  std::string scratch_, dir_;
  std::vector<std::string> warnings_;
};

inline Digest key_of(uint64_t n) { return KeyBuilder().add("test-unit", n).finish(); }

// `size` bytes that follow from the key.
inline std::string payload_of(const Digest& key, size_t size) {
  std::string p(size, '\0');
  std::mt19937_64 rng(key.bytes[0] | uint64_t(key.bytes[1]) << 8 | uint64_t(key.bytes[2]) << 16);
  for (char& c : p) c = static_cast<char>(rng());
  return p;
}
inline std::string meta_of(const Digest& module, const std::string& fn, const char* tier) {
  return "{\"module\":\"" + module.hex() + "\",\"functions\":[\"" + fn + "\"],\"tier\":\"" + tier + "\"}";
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
// Rewrites the file in place (keeping its inode, owner and mode).
inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

}  // namespace bf::cache::test
