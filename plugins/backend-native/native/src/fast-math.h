// A float32 exp written so that the compiler vectorises the loops that call it: range
// reduction by ln 2 and the Cephes expf polynomial (relative error about 2e-7 over the float32
// range). Inputs below -87.3 give about 1.2e-38 rather than 0, which is below every sum these
// kernels form with it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace allo {

inline float FastExp(float x) {
  x = std::min(std::max(x, -87.3f), 88.7f);
  const float k = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = x - k * 0.693359375f + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

}  // namespace allo
