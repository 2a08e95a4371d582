// Kernel entry points of the allo native addon. Each takes typed arrays owned by JavaScript
// (tfjs backend storage) and writes into an output array the caller allocated.
#pragma once
#include <napi.h>

namespace allo {

Napi::Value BatchMatMul(const Napi::CallbackInfo& info);
Napi::Value SetThreads(const Napi::CallbackInfo& info);
Napi::Value GetThreads(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Copy(const Napi::CallbackInfo& info);
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value ReduceSum(const Napi::CallbackInfo& info);
Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value SegmentSum(const Napi::CallbackInfo& info);
Napi::Value Gather(const Napi::CallbackInfo& info);
Napi::Value TargetLogProbs(const Napi::CallbackInfo& info);
Napi::Value TargetLogProbsGrad(const Napi::CallbackInfo& info);
Napi::Value AdamW(const Napi::CallbackInfo& info);

// Shared argument helpers.
inline float* F32(const Napi::Value& v) { return v.As<Napi::Float32Array>().Data(); }
inline size_t Len(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }
inline const int32_t* I32(const Napi::Value& v) { return v.As<Napi::Int32Array>().Data(); }
inline int64_t Int(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }

}  // namespace allo
