// A small owning array of trivially copyable values. The engine avoids std::vector because its
// error paths need libstdc++'s compiled parts, which the bitcode build must not import.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <utility>

namespace bf::llm {

template <class T>
class Buffer {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~Buffer() { free(data_); }

  // Replaces the contents with n zeroed elements; false when memory runs out.
  [[nodiscard]] bool allocate(size_t n) {
    free(data_);
    data_ = nullptr;
    size_ = 0;
    if (n == 0) return true;
    data_ = static_cast<T*>(calloc(n, sizeof(T)));
    if (!data_) return false;
    size_ = n;
    return true;
  }

  // Grows to at least n elements, keeping the contents (for text that accumulates).
  [[nodiscard]] bool reserve(size_t n) {
    if (n <= size_) return true;
    size_t grown = size_ * 2 > n ? size_ * 2 : n;
    T* p = static_cast<T*>(realloc(data_, grown * sizeof(T)));
    if (!p) return false;
    memset(static_cast<void*>(p + size_), 0, (grown - size_) * sizeof(T));
    data_ = p;
    size_ = grown;
    return true;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace bf::llm
