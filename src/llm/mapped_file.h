// A read-only memory mapping of a whole file: weights are used in place, never copied. Where
// mmap of files is unavailable, the file is read into memory once instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "llm/status.h"

namespace bf::llm {

class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  ~MappedFile();

  // Maps `path`; an empty file, a directory or an unreadable path is an error.
  bool open(const char* path, Status& st);

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  void release();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool owned_ = false;  // read into malloc'd memory rather than mapped
};

}  // namespace bf::llm
