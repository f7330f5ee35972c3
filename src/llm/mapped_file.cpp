#include "llm/mapped_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace bf::llm {

MappedFile::MappedFile(MappedFile&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) munmap(const_cast<uint8_t*>(data_), size_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) munmap(const_cast<uint8_t*>(data_), size_);
}

bool MappedFile::open(const char* path, Status& st) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return st.fail("cannot open: %s", strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int err = errno;
    close(fd);
    return st.fail("cannot stat: %s", strerror(err));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return st.fail("not a regular file");
  }
  if (info.st_size == 0) {
    close(fd);
    return st.fail("empty file");
  }
  void* p = mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd);
  if (p == MAP_FAILED) return st.fail("cannot map: %s", strerror(err));
  if (data_) munmap(const_cast<uint8_t*>(data_), size_);
  data_ = static_cast<const uint8_t*>(p);
  size_ = static_cast<size_t>(info.st_size);
  return true;
}

}  // namespace bf::llm
