// Batched matrix product through OpenBLAS cblas_sgemm. The caller resolves batch broadcasting
// into one (a batch, b batch) index pair per output batch, so any broadcast is exact.
#include <cblas.h>

#include "kernels.h"
#include "parallel.h"

extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
}

namespace allo {

// batchMatMul(a, b, out, m, n, k, transA, transB, aIndex: Int32Array, bIndex: Int32Array)
// a: [*, m, k] (or [*, k, m] when transA), b: [*, k, n] (or [*, n, k]), out: [batches, m, n].
Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  const float* a = F32(info[0]);
  const float* b = F32(info[1]);
  float* out = F32(info[2]);
  const int m = static_cast<int>(Int(info[3]));
  const int n = static_cast<int>(Int(info[4]));
  const int k = static_cast<int>(Int(info[5]));
  const bool transA = info[6].As<Napi::Boolean>().Value();
  const bool transB = info[7].As<Napi::Boolean>().Value();
  const int32_t* aIndex = I32(info[8]);
  const int32_t* bIndex = I32(info[9]);
  const size_t batches = Len(info[8]);
  const size_t aSize = static_cast<size_t>(m) * k;
  const size_t bSize = static_cast<size_t>(k) * n;
  const size_t cSize = static_cast<size_t>(m) * n;
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  for (size_t i = 0; i < batches; ++i) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n,
                k, 1.0f, a + aIndex[i] * aSize, lda, b + bIndex[i] * bSize, ldb, 0.0f, out + i * cSize, n);
  }
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int threads = static_cast<int>(Int(info[0]));
  openblas_set_num_threads(threads);
  SetParallelThreads(threads);
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

}  // namespace allo
