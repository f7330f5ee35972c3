// Virtual dispatch: a heterogeneous array of shapes (new/delete), areas and perimeters summed
// through virtual calls, objects replaced as the run goes.
#include <cmath>
#include <cstdio>
#include <cstdlib>

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
  virtual double perimeter() const = 0;
  virtual void grow(double f) = 0;
};
struct Circle final : Shape {
  double r;
  explicit Circle(double r) : r(r) {}
  double area() const override { return 3.141592653589793 * r * r; }
  double perimeter() const override { return 2 * 3.141592653589793 * r; }
  void grow(double f) override { r *= f; }
};
struct Rect final : Shape {
  double w, h;
  Rect(double w, double h) : w(w), h(h) {}
  double area() const override { return w * h; }
  double perimeter() const override { return 2 * (w + h); }
  void grow(double f) override { w *= f, h /= f; }
};
struct Triangle final : Shape {
  double a, b, c;
  Triangle(double a, double b, double c) : a(a), b(b), c(c) {}
  double area() const override {
    double s = (a + b + c) / 2;
    return std::sqrt(s * (s - a) * (s - b) * (s - c));
  }
  double perimeter() const override { return a + b + c; }
  void grow(double f) override { a *= f, b *= f, c *= f; }
};

static unsigned seed = 1;
static Shape* make() {
  seed = seed * 1103515245u + 12345u;
  double x = 1 + (seed >> 16) % 100 / 10.0;
  switch ((seed >> 8) % 3) {
    case 0: return new Circle(x);
    case 1: return new Rect(x, x / 2 + 1);
    default: return new Triangle(x, x, x * 1.5);
  }
}

int main(int argc, char** argv) {
  const int n = 4096, rounds = 1500 * (argc > 1 ? std::atoi(argv[1]) : 1);
  Shape** shapes = new Shape*[n];
  for (int i = 0; i < n; i++) shapes[i] = make();
  double total = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) total += shapes[i]->area() - 0.5 * shapes[i]->perimeter();
    for (int i = r & 63; i < n; i += 64) shapes[i]->grow(r & 1 ? 1.01 : 1 / 1.01);
    int k = (r * 131) % n;
    delete shapes[k];
    shapes[k] = make();
  }
  for (int i = 0; i < n; i++) delete shapes[i];
  delete[] shapes;
  std::printf("%.6e\n", total);
  return 0;
}
