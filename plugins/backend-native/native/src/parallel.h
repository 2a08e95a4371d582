// A minimal two-way parallel loop for the elementwise kernels: the calling thread takes one
// half of the range and one persistent worker the other. 2-core machines are the target;
// more workers would compete with OpenBLAS's own threads between matrix products.
#pragma once
#include <cstdint>
#include <functional>

namespace allo {

/** Runs body(lo, hi) over [0, n), split across the worker threads when n >= grain. */
void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

/** Number of threads ParallelFor uses (1 turns it off). */
void SetParallelThreads(int threads);
int ParallelThreads();

}  // namespace allo
