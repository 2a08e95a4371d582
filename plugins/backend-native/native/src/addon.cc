// Module registration: one exported function per kernel.
#include "kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__GLIBC__)
  // Tensor buffers of up to 32 MiB come and go every kernel. glibc's default serves each from
  // a fresh mmap and unmaps it on free, so every new tensor page-faults its way in; keeping
  // them on the heap (and not trimming it) reuses the memory instead.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
#endif
  exports.Set("batchMatMul", Napi::Function::New(env, allo::BatchMatMul));
  exports.Set("setThreads", Napi::Function::New(env, allo::SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, allo::GetThreads));
  exports.Set("binary", Napi::Function::New(env, allo::Binary));
  exports.Set("copy", Napi::Function::New(env, allo::Copy));
  exports.Set("unary", Napi::Function::New(env, allo::Unary));
  exports.Set("reduceSum", Napi::Function::New(env, allo::ReduceSum));
  exports.Set("softmax", Napi::Function::New(env, allo::Softmax));
  exports.Set("segmentSum", Napi::Function::New(env, allo::SegmentSum));
  exports.Set("gather", Napi::Function::New(env, allo::Gather));
  exports.Set("targetLogProbs", Napi::Function::New(env, allo::TargetLogProbs));
  exports.Set("targetLogProbsGrad", Napi::Function::New(env, allo::TargetLogProbsGrad));
  exports.Set("adamw", Napi::Function::New(env, allo::AdamW));
  return exports;
}

}  // namespace

NODE_API_MODULE(allo_native, Init)
