// A 5x5 convolution (blur) over a float image, repeated, with clamped borders.
#include <stdio.h>
#include <stdlib.h>

static void blur(int w, int h, const float* in, float* out, const float k[5][5]) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float s = 0;
      for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++) {
          int yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
          int xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
          s += k[dy + 2][dx + 2] * in[yy * w + xx];
        }
      out[y * w + x] = s;
    }
}

int main(int argc, char** argv) {
  int w = 640, h = 480, rounds = 36 * (argc > 1 ? atoi(argv[1]) : 1);
  float *a = malloc(w * h * sizeof(float)), *b = malloc(w * h * sizeof(float));
  float k[5][5];
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++) k[i][j] = (float)((3 - abs(i - 2)) * (3 - abs(j - 2))) / 81.0f;
  for (int i = 0; i < w * h; i++) a[i] = (float)((i * 7) % 256);
  for (int r = 0; r < rounds; r++) {
    blur(w, h, a, b, k);
    float* t = a;
    a = b, b = t;
  }
  double sum = 0;
  for (int i = 0; i < w * h; i++) sum += a[i];
  printf("%.3f\n", sum);
  free(a), free(b);
  return 0;
}
