// C++ exceptions through every kind of frame: thrown and caught in interpreted code, thrown by
// the C++ runtime (std::vector::at, std::stoi), through a host frame (a qsort comparator that
// throws), rethrown, caught by base class, by pointer, by catch (...), through
// std::exception_ptr, from a constructor half done, through a function pointer and a virtual
// call, with every destructor on the way run; and often enough that the JIT tiers take over
// the throwing and catching functions mid-run (--tier=auto), so that exceptions cross
// interpreted and compiled frames both ways.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

static std::string trace;
struct Noisy {
  const char* name;
  explicit Noisy(const char* n) : name(n) { trace += "+"; trace += name; }
  ~Noisy() { trace += "-"; trace += name; }
};

struct Error : std::runtime_error {
  int code;
  Error(const char* what, int c) : std::runtime_error(what), code(c) {}
};
struct Derived : Error {
  Derived() : Error("derived", 7) {}
};

__attribute__((noinline)) int thrower(int n) {
  Noisy a("t");
  if (n == 1) throw Error("one", 1);
  if (n == 2) throw Derived();
  if (n == 3) throw 42;
  if (n == 4) throw std::string("text");
  if (n == 5) throw static_cast<const char*>("pointer");
  return n * 10;
}

__attribute__((noinline)) int middle(int n) {
  Noisy b("m");
  return thrower(n) + 1;
}

int catch_kinds(int n) {
  try {
    return middle(n);
  } catch (const Derived& e) {
    std::printf("Derived %s %d\n", e.what(), e.code);
  } catch (const Error& e) {
    std::printf("Error %s %d\n", e.what(), e.code);
  } catch (int v) {
    std::printf("int %d\n", v);
  } catch (const std::string& s) {
    std::printf("string %s\n", s.c_str());
  } catch (...) {
    std::printf("something else\n");
  }
  return -1;
}

// catch_kinds without the printing, for the hot loop.
__attribute__((noinline)) int catch_kinds_quiet(int n) {
  try {
    return middle(n);
  } catch (const Derived& e) {
    return e.code;
  } catch (const Error& e) {
    return e.code * 100;
  } catch (int v) {
    return v;
  } catch (...) {
    return -1;
  }
}

static int compare_or_throw(const void* a, const void* b) {
  int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
  if (x == 13 || y == 13) throw std::out_of_range("13 in the array");
  return (x > y) - (x < y);
}

struct Part {
  int id;
  explicit Part(int i) : id(i) {
    if (i == 3) throw std::invalid_argument("part 3");
    trace += "P" + std::to_string(i);
  }
  ~Part() { trace += "~P" + std::to_string(id); }
};
struct Whole {
  Part a{1}, b{2}, c{3};
};

struct Shape {
  virtual int area() const = 0;
  virtual ~Shape() = default;
};
struct Square : Shape {
  int side;
  explicit Square(int s) : side(s) {}
  int area() const override { return side * side; }
};
struct Bad : Shape {
  int area() const override { throw std::logic_error("no area"); }
};

__attribute__((noinline)) int area_or_zero(const Shape& s) {
  Noisy n("a");
  try {
    return s.area();
  } catch (const std::logic_error&) {
    return 0;
  }
}

int (*volatile through_pointer)(int) = thrower;

int rethrow_count = 0;
void rethrower() {
  try {
    thrower(1);
  } catch (...) {
    rethrow_count++;
    throw;
  }
}

int main() {
  for (int n = 0; n <= 5; n++) std::printf("%d -> %d [%s]\n", n, catch_kinds(n), trace.c_str()), trace.clear();
  std::vector<int> v{1, 2, 3};
  try {
    std::printf("%d\n", v.at(7));
  } catch (const std::out_of_range& e) {
    std::printf("runtime threw out_of_range\n");
  }
  try {
    std::stoi("not a number");
  } catch (const std::invalid_argument& e) {
    std::printf("stoi: invalid_argument\n");
  }
  int arr[] = {5, 2, 13, 8, 1};
  try {
    qsort(arr, 5, sizeof(int), compare_or_throw);
  } catch (const std::exception& e) {
    std::printf("through qsort: %s\n", e.what());
  }
  int sorted[] = {5, 2, 9, 8, 1};
  qsort(sorted, 5, sizeof(int), compare_or_throw);
  std::printf("%d %d %d %d %d\n", sorted[0], sorted[1], sorted[2], sorted[3], sorted[4]);
  try {
    Whole w;
  } catch (const std::invalid_argument& e) {
    std::printf("constructor: %s [%s]\n", e.what(), trace.c_str());
  }
  trace.clear();
  try {
    rethrower();
  } catch (const Error& e) {
    std::printf("rethrown %s, count %d\n", e.what(), rethrow_count);
  }
  std::exception_ptr saved;
  try {
    thrower(2);
  } catch (...) {
    saved = std::current_exception();
  }
  try {
    std::rethrow_exception(saved);
  } catch (const Error& e) {
    std::printf("exception_ptr %s %d [%s]\n", e.what(), e.code, trace.c_str());
  }
  int caught = 0;
  for (int i = 0; i < 1000; i++) {
    try {
      if (i % 3 == 0) throw i;
    } catch (int x) {
      caught += x;
    }
  }
  std::printf("caught %d\n", caught);
  try {
    through_pointer(3);
  } catch (int v) {
    std::printf("through a pointer: %d\n", v);
  }
  Square sq(4);
  Bad bad;
  std::printf("areas %d %d [%s]\n", area_or_zero(sq), area_or_zero(bad), trace.c_str());
  long sum = 0;
  for (int i = 0; i < 3000; i++) {
    trace.clear();
    sum += catch_kinds_quiet(i % 6) + area_or_zero(i % 2 ? static_cast<const Shape&>(sq) : bad);
  }
  std::printf("hot loop %ld [%s]\n", sum, trace.c_str());
  return 0;
}
