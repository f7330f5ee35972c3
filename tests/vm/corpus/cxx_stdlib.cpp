// libstdc++ through the import table: iostreams and string streams, strings, containers,
// algorithms, std::function and lambdas, RTTI (typeid, dynamic_cast), function-local statics,
// std::thread with a mutex, smart pointers and virtual destructors.
#include <algorithm>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <vector>

struct Animal {
  virtual ~Animal() { std::cout << "~Animal\n"; }
  virtual std::string speak() const = 0;
};
struct Dog : Animal {
  ~Dog() override { std::cout << "~Dog\n"; }
  std::string speak() const override { return "woof"; }
};
struct Cat : Animal {
  std::string speak() const override { return "meow"; }
};

int& counter() {
  static int c = [] {
    std::cout << "counter initialised once\n";
    return 100;
  }();
  return c;
}

std::function<int(int)> compose(std::function<int(int)> f, std::function<int(int)> g) {
  return [f, g](int x) { return f(g(x)); };
}

int main() {
  std::vector<std::string> words{"pear", "apple", "fig", "banana", "cherry", "apple"};
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  for (const std::string& w : words) std::cout << w << ' ';
  std::cout << '\n';

  std::map<std::string, int> lengths;
  for (const std::string& w : words) lengths[w] = int(w.size());
  for (auto& [w, n] : lengths) std::cout << w << '=' << n << ';';
  std::cout << '\n';

  std::unordered_map<int, std::string> squares;
  for (int i = 0; i < 50; i++) squares[i * i] = std::to_string(i);
  std::cout << "sqrt(1764)=" << squares[1764] << " size " << squares.size() << '\n';

  std::set<double> s{3.5, 1.25, 2.0, 1.25};
  std::cout << std::fixed << std::setprecision(3);
  for (double d : s) std::cout << d << ' ';
  std::cout << std::defaultfloat << '\n';

  std::vector<int> v(20);
  std::iota(v.begin(), v.end(), 1);
  std::cout << "sum " << std::accumulate(v.begin(), v.end(), 0) << " evens "
            << std::count_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; }) << '\n';

  std::ostringstream os;
  os << std::hex << 255 << ' ' << std::dec << 1e10 << ' ' << std::boolalpha << true;
  std::istringstream is("12 34.5 word");
  int a;
  double b;
  std::string c;
  is >> a >> b >> c;
  std::cout << os.str() << " | " << a + 1 << ' ' << b * 2 << ' ' << c << '\n';

  auto add3 = [](int x) { return x + 3; };
  std::function<int(int)> twice = [](int x) { return 2 * x; };
  std::cout << "compose " << compose(add3, twice)(10) << ' ' << compose(twice, add3)(10) << '\n';

  std::vector<std::unique_ptr<Animal>> zoo;
  zoo.push_back(std::make_unique<Dog>());
  zoo.push_back(std::make_unique<Cat>());
  for (auto& an : zoo) {
    const char* kind = dynamic_cast<Dog*>(an.get()) ? "dog" : "not a dog";
    std::cout << an->speak() << ' ' << kind << ' ' << (typeid(*an) == typeid(Cat)) << ' '
              << typeid(*an).name() << '\n';
  }
  zoo.clear();
  std::shared_ptr<int> sp = std::make_shared<int>(5);
  std::shared_ptr<int> sp2 = sp;
  std::cout << "use_count " << sp.use_count() << '\n';

  counter()++;
  counter()++;
  std::cout << "counter " << counter() << '\n';

  std::mutex m;
  long total = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; i++) {
        std::lock_guard<std::mutex> lock(m);
        total += t;
      }
    });
  for (auto& th : threads) th.join();
  std::cout << "threads " << total << std::endl;
  return 0;
}
