// A small ray tracer: spheres, a plane, diffuse lighting and shadows, a vector class with
// operators; prints a checksum of the image.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

struct Vec {
  double x, y, z;
  Vec operator+(Vec o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec operator-(Vec o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec operator*(double s) const { return {x * s, y * s, z * s}; }
  double dot(Vec o) const { return x * o.x + y * o.y + z * o.z; }
  Vec norm() const { return *this * (1 / std::sqrt(dot(*this))); }
};

struct Sphere {
  Vec c;
  double r;
  double hit(Vec o, Vec d) const {
    Vec oc = o - c;
    double b = oc.dot(d), disc = b * b - (oc.dot(oc) - r * r);
    if (disc < 0) return -1;
    double t = -b - std::sqrt(disc);
    return t > 1e-6 ? t : -1;
  }
};

static const Sphere spheres[] = {{{0, 1, 5}, 1}, {{-2, 0.7, 6}, 0.7}, {{2, 1.2, 7}, 1.2}, {{0.5, 0.3, 3.5}, 0.3}};
static const Vec light = Vec{-1, 3, -2}.norm();

static bool nearest(Vec o, Vec d, double& t, Vec& n) {
  t = 1e30;
  for (const Sphere& s : spheres) {
    double h = s.hit(o, d);
    if (h > 0 && h < t) t = h, n = (o + d * h - s.c).norm();
  }
  if (d.y < 0) {
    double h = -o.y / d.y;
    if (h > 1e-6 && h < t) t = h, n = {0, 1, 0};
  }
  return t < 1e30;
}

static double shade(Vec o, Vec d, int depth) {
  double t;
  Vec n;
  if (!nearest(o, d, t, n)) return 0.2;
  Vec p = o + d * t;
  double diffuse = std::fmax(0, n.dot(light));
  double ts;
  Vec ns;
  if (diffuse > 0 && nearest(p + n * 1e-4, light, ts, ns)) diffuse *= 0.3;
  double c = 0.1 + 0.7 * diffuse;
  if (depth < 2) c += 0.2 * shade(p + n * 1e-4, d - n * (2 * d.dot(n)), depth + 1);
  return c;
}

int main(int argc, char** argv) {
  int w = 1280 * (argc > 1 ? std::atoi(argv[1]) : 1), h = 960;
  uint32_t sum = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      Vec d = Vec{(x - w / 2.0) / h, (h / 2.0 - y) / h + 0.2, 1}.norm();
      double c = shade({0, 1, 0}, d, 0);
      sum = sum * 31 + uint32_t(std::fmin(c, 1.0) * 255);
    }
  std::printf("%u\n", sum);
  return 0;
}
