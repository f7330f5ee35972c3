// n-body: five bodies under gravity, symplectic Euler steps; prints the energy.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS 365.24

typedef struct { double x, y, z, vx, vy, vz, m; } Body;

static Body bodies[5] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84, -1.16, -0.10, 1.66e-3 * DAYS, 7.69e-3 * DAYS, -6.90e-5 * DAYS, 9.54e-4 * SOLAR_MASS},
    {8.34, 4.12, -0.40, -2.76e-3 * DAYS, 4.99e-3 * DAYS, 2.30e-5 * DAYS, 2.85e-4 * SOLAR_MASS},
    {12.89, -15.11, -0.22, 2.96e-3 * DAYS, 2.37e-3 * DAYS, -2.96e-5 * DAYS, 4.36e-5 * SOLAR_MASS},
    {15.37, -25.91, 0.17, 2.68e-3 * DAYS, 1.62e-3 * DAYS, -9.51e-5 * DAYS, 5.15e-5 * SOLAR_MASS},
};

static void advance(int n, Body* b, double dt) {
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * sqrt(d2));
      b[i].vx -= dx * b[j].m * mag, b[i].vy -= dy * b[j].m * mag, b[i].vz -= dz * b[j].m * mag;
      b[j].vx += dx * b[i].m * mag, b[j].vy += dy * b[i].m * mag, b[j].vz += dz * b[i].m * mag;
    }
  for (int i = 0; i < n; i++) b[i].x += dt * b[i].vx, b[i].y += dt * b[i].vy, b[i].z += dt * b[i].vz;
}

static double energy(int n, const Body* b) {
  double e = 0;
  for (int i = 0; i < n; i++) {
    e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < n; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

int main(int argc, char** argv) {
  int steps = 2000000 * (argc > 1 ? atoi(argv[1]) : 1);
  printf("%.9f\n", energy(5, bodies));
  for (int i = 0; i < steps; i++) advance(5, bodies, 0.01);
  printf("%.9f\n", energy(5, bodies));
  return 0;
}
