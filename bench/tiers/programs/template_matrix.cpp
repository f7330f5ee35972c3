// Fixed-size matrices as templates (4x4 float and 3x3 double), operator overloading, many
// products and inversions by Gauss-Jordan.
#include <cmath>
#include <cstdio>
#include <cstdlib>

template <typename T, int N>
struct Mat {
  T m[N][N];
  static Mat identity() {
    Mat r{};
    for (int i = 0; i < N; i++) r.m[i][i] = 1;
    return r;
  }
  Mat operator*(const Mat& o) const {
    Mat r{};
    for (int i = 0; i < N; i++)
      for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++) r.m[i][j] += m[i][k] * o.m[k][j];
    return r;
  }
  T trace() const {
    T t = 0;
    for (int i = 0; i < N; i++) t += m[i][i];
    return t;
  }
  bool inverse(Mat& out) const {
    Mat a = *this;
    out = identity();
    for (int c = 0; c < N; c++) {
      int p = c;
      for (int r = c + 1; r < N; r++)
        if (std::fabs(a.m[r][c]) > std::fabs(a.m[p][c])) p = r;
      if (a.m[p][c] == 0) return false;
      for (int j = 0; j < N; j++) {
        T t = a.m[c][j]; a.m[c][j] = a.m[p][j]; a.m[p][j] = t;
        t = out.m[c][j]; out.m[c][j] = out.m[p][j]; out.m[p][j] = t;
      }
      T d = a.m[c][c];
      for (int j = 0; j < N; j++) a.m[c][j] /= d, out.m[c][j] /= d;
      for (int r = 0; r < N; r++) {
        if (r == c) continue;
        T f = a.m[r][c];
        for (int j = 0; j < N; j++) a.m[r][j] -= f * a.m[c][j], out.m[r][j] -= f * out.m[c][j];
      }
    }
    return true;
  }
};

template <typename T, int N>
static T work(int rounds, unsigned seed) {
  T acc = 0;
  Mat<T, N> x = Mat<T, N>::identity();
  for (int r = 0; r < rounds; r++) {
    Mat<T, N> a;
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) seed = seed * 1103515245u + 12345u, a.m[i][j] = T((seed >> 16) % 200) / 100 - 1 + (i == j) * 3;
    Mat<T, N> inv;
    if (a.inverse(inv)) x = (a * inv) * x, acc += (a * a).trace() / 1000 + x.trace();
  }
  return acc;
}

int main(int argc, char** argv) {
  int rounds = 400000 * (argc > 1 ? std::atoi(argv[1]) : 1);
  std::printf("%.4f %.4f\n", double(work<float, 4>(rounds, 7)), work<double, 3>(rounds, 9));
  return 0;
}
