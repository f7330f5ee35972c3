// Hand-written containers as templates (a growable array and an open-addressing hash map with
// new[]/delete[]): word-frequency counting and a histogram.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

template <typename T>
class Array {
 public:
  ~Array() { delete[] data_; }
  void push(const T& v) {
    if (size_ == cap_) grow();
    data_[size_++] = v;
  }
  T& operator[](size_t i) { return data_[i]; }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

 private:
  void grow() {
    cap_ = cap_ ? cap_ * 2 : 16;
    T* d = new T[cap_];
    for (size_t i = 0; i < size_; i++) d[i] = data_[i];
    delete[] data_;
    data_ = d;
  }
  T* data_ = nullptr;
  size_t size_ = 0, cap_ = 0;
};

template <typename K, typename V>
class HashMap {
 public:
  explicit HashMap(size_t cap) : cap_(cap), keys_(new K[cap]), vals_(new V[cap]()), used_(new bool[cap]()) {}
  ~HashMap() { delete[] keys_, delete[] vals_, delete[] used_; }
  V& operator[](const K& k) {
    size_t i = (size_t(k) * 0x9E3779B97F4A7C15ull >> 20) & (cap_ - 1);
    while (used_[i] && keys_[i] != k) i = (i + 1) & (cap_ - 1);
    if (!used_[i]) used_[i] = true, keys_[i] = k, count_++;
    return vals_[i];
  }
  size_t size() const { return count_; }
  template <typename F>
  void each(F f) const {
    for (size_t i = 0; i < cap_; i++)
      if (used_[i]) f(keys_[i], vals_[i]);
  }

 private:
  size_t cap_, count_ = 0;
  K* keys_;
  V* vals_;
  bool* used_;
};

int main(int argc, char** argv) {
  int rounds = 20 * (argc > 1 ? std::atoi(argv[1]) : 1);
  Array<uint64_t> words;
  uint64_t check = 0;
  uint32_t s = 3;
  for (int r = 0; r < rounds; r++) {
    words.clear();
    for (int i = 0; i < 200000; i++) s = s * 1664525u + 1013904223u, words.push((s >> 10) % 50000 * 2654435761ull);
    HashMap<uint64_t, uint32_t> counts(1 << 17);
    for (size_t i = 0; i < words.size(); i++) counts[words[i]]++;
    uint32_t top = 0;
    counts.each([&](uint64_t, uint32_t v) { top = v > top ? v : top; });
    check = check * 31 + counts.size() + top;
  }
  std::printf("%llu\n", (unsigned long long)check);
  return 0;
}
