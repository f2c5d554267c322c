// Small vector math shared by the CPU and CUDA ray marchers. Everything here compiles for host
// and device (VISCERA_HD, as pbrt-v4's PBRT_CPU_GPU), so it uses float and no standard library
// containers.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define VISCERA_HD __host__ __device__
#else
#define VISCERA_HD
#endif

namespace viscera {

struct Float3 {
  float x = 0, y = 0, z = 0;
};

VISCERA_HD inline Float3 operator+(Float3 a, Float3 b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
VISCERA_HD inline Float3 operator-(Float3 a, Float3 b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
VISCERA_HD inline Float3 operator*(Float3 a, float s) {
  return {a.x * s, a.y * s, a.z * s};
}
VISCERA_HD inline Float3 operator*(Float3 a, Float3 b) {
  return {a.x * b.x, a.y * b.y, a.z * b.z};
}
VISCERA_HD inline float Dot(Float3 a, Float3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
VISCERA_HD inline float Length(Float3 a) {
  return sqrtf(Dot(a, a));
}
VISCERA_HD inline Float3 Normalize(Float3 a) {
  const float n = Length(a);
  return n > 0 ? a * (1.0f / n) : a;
}
VISCERA_HD inline Float3 Cross(Float3 a, Float3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
VISCERA_HD inline float Clamp(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}
VISCERA_HD inline float Min(float a, float b) {
  return a < b ? a : b;
}
VISCERA_HD inline float Max(float a, float b) {
  return a > b ? a : b;
}

// Row-major 3x3, float: maps directions between LPS and index space.
struct Float3x3 {
  float m[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
};
VISCERA_HD inline Float3 operator*(const Float3x3& a, Float3 v) {
  return {a.m[0][0] * v.x + a.m[0][1] * v.y + a.m[0][2] * v.z,
          a.m[1][0] * v.x + a.m[1][1] * v.y + a.m[1][2] * v.z,
          a.m[2][0] * v.x + a.m[2][1] * v.y + a.m[2][2] * v.z};
}
// Transposed product: a^T v.
VISCERA_HD inline Float3 TransposeTimes(const Float3x3& a, Float3 v) {
  return {a.m[0][0] * v.x + a.m[1][0] * v.y + a.m[2][0] * v.z,
          a.m[0][1] * v.x + a.m[1][1] * v.y + a.m[2][1] * v.z,
          a.m[0][2] * v.x + a.m[1][2] * v.y + a.m[2][2] * v.z};
}

}  // namespace viscera
