// Layout kernels that the pure-JS cpu backend runs one index computation per element:
// broadcasting binary ops, transpose, axis sums, last-axis softmax and row gathers. Shapes
// arrive already collapsed to the fewest dimensions by the JavaScript side.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "fast-math.h"
#include "parallel.h"

namespace allo {
namespace {

std::vector<int64_t> Ints(const Napi::Value& v) {
  Napi::Array array = v.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

// Walks the rows (all dimensions but the last) of `shape`, calling
// fn(offsets, begin, end) with each operand's element offset at the start of the row and the
// range of the last dimension to process. Rows are split across threads when `parallel`; a
// single long row is split along its length.
template <size_t K, typename Fn>
void Rows(const std::vector<int64_t>& shape, const std::array<const std::vector<int64_t>*, K>& strides, bool parallel, Fn fn) {
  const size_t rank = shape.size();
  const int64_t inner = shape[rank - 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < rank; ++d) outer *= shape[d];
  constexpr int64_t kGrain = 1 << 16;
  if (outer == 1) {
    ParallelFor(inner, parallel ? kGrain : 0, [&](int64_t lo, int64_t hi) {
      std::array<int64_t, K> off{};
      fn(off, lo, hi);
    });
    return;
  }
  ParallelFor(outer, parallel ? std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)) : 0, [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> idx(rank, 0);
    std::array<int64_t, K> off{};
    int64_t rest = lo;
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
      for (size_t k = 0; k < K; ++k) off[k] += idx[d] * (*strides[k])[d];
    }
    for (int64_t o = lo; o < hi; ++o) {
      fn(off, 0, inner);
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        ++idx[d];
        for (size_t k = 0; k < K; ++k) off[k] += (*strides[k])[d];
        if (idx[d] < shape[d]) break;
        for (size_t k = 0; k < K; ++k) off[k] -= (*strides[k])[d] * shape[d];
        idx[d] = 0;
      }
    }
  });
}

std::vector<int64_t> Contiguous(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

template <typename Op>
void BinaryLoop(const float* a, const float* b, float* out, const std::vector<int64_t>& shape,
                const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, Op op) {
  const auto so = Contiguous(shape);
  const int64_t ia = sa.back();
  const int64_t ib = sb.back();
  Rows<3>(shape, {&sa, &sb, &so}, true, [&](const std::array<int64_t, 3>& off, int64_t lo, int64_t hi) {
    const float* pa = a + off[0];
    const float* pb = b + off[1];
    float* po = out + off[2];
    if (ia == 1 && ib == 1) {
      for (int64_t j = lo; j < hi; ++j) po[j] = op(pa[j], pb[j]);
    } else if (ia == 1 && ib == 0) {
      const float vb = pb[0];
      for (int64_t j = lo; j < hi; ++j) po[j] = op(pa[j], vb);
    } else if (ia == 0 && ib == 1) {
      const float va = pa[0];
      for (int64_t j = lo; j < hi; ++j) po[j] = op(va, pb[j]);
    } else {
      for (int64_t j = lo; j < hi; ++j) po[j] = op(pa[j * ia], pb[j * ib]);
    }
  });
}

}  // namespace

// binary(op, a, b, out, outShape, aStrides, bStrides); strides are 0 on broadcast dimensions.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(Int(info[0]));
  const float* a = F32(info[1]);
  const float* b = F32(info[2]);
  float* out = F32(info[3]);
  const auto shape = Ints(info[4]);
  const auto sa = Ints(info[5]);
  const auto sb = Ints(info[6]);
  switch (op) {
    case 0: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return x + y; }); break;
    case 1: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return x - y; }); break;
    case 2: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return x * y; }); break;
    case 3: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return x / y; }); break;
    case 4: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return std::isnan(x) || x > y ? x : y; }); break;
    case 5: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return std::isnan(x) || x < y ? x : y; }); break;
    case 6: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return (x - y) * (x - y); }); break;
    case 7: BinaryLoop(a, b, out, shape, sa, sb, [](float x, float y) { return std::pow(x, y); }); break;
    default: Napi::Error::New(info.Env(), "allo_native.binary: unknown op").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// copy(src, srcStrides, dst, dstStrides, shape): dst[i . dstStrides] = src[i . srcStrides] for
// every multi-index i of `shape`. src and dst are views (a slice's start, a concat's offset),
// so this one loop serves Transpose, Slice, SplitV and Concat.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  const float* src = F32(info[0]);
  const auto ss = Ints(info[1]);
  float* dst = F32(info[2]);
  const auto ds = Ints(info[3]);
  const auto shape = Ints(info[4]);
  const int64_t is = ss.back();
  const int64_t os = ds.back();
  Rows<2>(shape, {&ss, &ds}, true, [&](const std::array<int64_t, 2>& off, int64_t lo, int64_t hi) {
    const float* ps = src + off[0];
    float* pd = dst + off[1];
    if (is == 1 && os == 1) {
      std::copy(ps + lo, ps + hi, pd + lo);
    } else {
      for (int64_t j = lo; j < hi; ++j) pd[j * os] = ps[j * is];
    }
  });
  return info.Env().Undefined();
}

// unary(op, x, out): the float32 elementwise functions the cpu backend runs through a
// per-element JavaScript callback.
template <typename Op>
void UnaryLoop(const float* __restrict x, float* __restrict out, int64_t n, Op op) {
  ParallelFor(n, 1 << 15, [=](int64_t lo, int64_t hi) {
#pragma omp simd
    for (int64_t i = lo; i < hi; ++i) out[i] = op(x[i]);
  });
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(Int(info[0]));
  const float* x = F32(info[1]);
  float* out = F32(info[2]);
  const int64_t n = static_cast<int64_t>(Len(info[1]));
  switch (op) {
    case 0: UnaryLoop(x, out, n, [](float v) { return 1.0f / (1.0f + FastExp(-v)); }); break;
    case 1: UnaryLoop(x, out, n, [](float v) { return FastExp(v); }); break;
    case 2: UnaryLoop(x, out, n, [](float v) { return std::sqrt(v); }); break;
    case 3: UnaryLoop(x, out, n, [](float v) { return 1.0f / std::sqrt(v); }); break;
    case 4: UnaryLoop(x, out, n, [](float v) { return v * v; }); break;
    case 5: UnaryLoop(x, out, n, [](float v) { return -v; }); break;
    case 6: UnaryLoop(x, out, n, [](float v) { return std::log(v); }); break;
    case 7: UnaryLoop(x, out, n, [](float v) { return std::log1p(v); }); break;
    case 8: UnaryLoop(x, out, n, [](float v) { return std::fabs(v); }); break;
    case 9: UnaryLoop(x, out, n, [](float v) { return std::tanh(v); }); break;
    default: Napi::Error::New(info.Env(), "allo_native.unary: unknown op").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// reduceSum(x, out, shape, outStrides): out[sum_d i_d * outStrides[d]] += x[i]; outStrides is 0
// on reduced dimensions. Accumulates in double, as the cpu backend's JavaScript numbers do.
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  float* out = F32(info[1]);
  const size_t outSize = Len(info[1]);
  const auto shape = Ints(info[2]);
  const auto stride = Ints(info[3]);
  const size_t rank = shape.size();
  const int64_t inner = shape[rank - 1];
  const int64_t os = stride[rank - 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < rank; ++d) outer *= shape[d];
  std::vector<double> acc(outSize, 0.0);
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  for (int64_t o = 0; o < outer; ++o) {
    const float* px = x + o * inner;
    if (os == 0) {
      double s = 0.0;
      for (int64_t j = 0; j < inner; ++j) s += px[j];
      acc[off] += s;
    } else {
      double* pa = acc.data() + off;
      for (int64_t j = 0; j < inner; ++j) pa[j] += px[j];
    }
    for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
      ++idx[d];
      off += stride[d];
      if (idx[d] < shape[d]) break;
      off -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  for (size_t i = 0; i < outSize; ++i) out[i] = static_cast<float>(acc[i]);
  return info.Env().Undefined();
}

// softmax(x, out, cols): softmax over each row of `cols` contiguous values, max-shifted.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  float* out = F32(info[1]);
  const int64_t cols = Int(info[2]);
  const int64_t rows = static_cast<int64_t>(Len(info[0])) / cols;
  ParallelFor(rows, std::max<int64_t>(1, (1 << 14) / cols), [&](int64_t lo, int64_t hi) {
  for (int64_t r = lo; r < hi; ++r) {
    const float* px = x + r * cols;
    float* po = out + r * cols;
    float max = px[0];
    for (int64_t j = 1; j < cols; ++j) max = std::max(max, px[j]);
    float sum = 0.0f;
    for (int64_t j = 0; j < cols; ++j) {
      po[j] = FastExp(px[j] - max);
    }
    for (int64_t j = 0; j < cols; ++j) sum += po[j];
    const float scale = 1.0f / sum;
    for (int64_t j = 0; j < cols; ++j) po[j] *= scale;
  }
  });
  return info.Env().Undefined();
}

// segmentSum(x, ids, out, inner): out[ids[i], :] += x[i, :]; ids outside [0, segments) are
// dropped, as in TensorFlow's UnsortedSegmentSum. One pass over x, whatever the segment count.
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  const int32_t* ids = I32(info[1]);
  const size_t count = Len(info[1]);
  float* out = F32(info[2]);
  const int64_t inner = Int(info[3]);
  const int64_t segments = static_cast<int64_t>(Len(info[2])) / inner;
  std::fill(out, out + segments * inner, 0.0f);
  for (size_t i = 0; i < count; ++i) {
    const int64_t id = ids[i];
    if (id < 0 || id >= segments) continue;
    const float* px = x + i * inner;
    float* po = out + id * inner;
    for (int64_t j = 0; j < inner; ++j) po[j] += px[j];
  }
  return info.Env().Undefined();
}

// gather(x, indices, out, outer, rows, inner): out[o, i, :] = x[o, indices[i], :] for a
// [outer, rows, inner] x. Returns the first out-of-range index, or -1.
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  const int32_t* indices = I32(info[1]);
  const size_t count = Len(info[1]);
  float* out = F32(info[2]);
  const int64_t outer = Int(info[3]);
  const int64_t rows = Int(info[4]);
  const int64_t inner = Int(info[5]);
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < count; ++i) {
      const int64_t row = indices[i];
      if (row < 0 || row >= rows) return Napi::Number::New(info.Env(), static_cast<double>(row));
      const float* px = x + (o * rows + row) * inner;
      std::copy(px, px + inner, out + (o * count + i) * inner);
    }
  }
  return Napi::Number::New(info.Env(), -1);
}

}  // namespace allo
