// Persistent worker pool behind ParallelFor. Workers sleep on a condition variable between
// calls; each call hands every worker one contiguous chunk and runs the first chunk itself.
#include "parallel.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace allo {
namespace {

struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  std::vector<std::thread> workers;
  const std::function<void(int64_t, int64_t)>* body = nullptr;
  int64_t n = 0;
  int parts = 1;
  uint64_t generation = 0;
  int pending = 0;
  int threads = 1;

  void Work(int index) {
    uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return generation != seen; });
      seen = generation;
      if (index >= parts) continue;
      const auto* fn = body;
      const int64_t lo = n * index / parts;
      const int64_t hi = n * (index + 1) / parts;
      lock.unlock();
      (*fn)(lo, hi);
      lock.lock();
      if (--pending == 0) done.notify_one();
    }
  }

  void Resize(int count) {
    threads = std::max(1, count);
    while (static_cast<int>(workers.size()) < threads - 1) {
      const int index = static_cast<int>(workers.size()) + 1;
      workers.emplace_back([this, index] { Work(index); });
      workers.back().detach();
    }
  }
};

Pool& pool() {
  static Pool* instance = new Pool();
  return *instance;
}

std::mutex& callMutex() {
  static std::mutex* m = new std::mutex();
  return *m;
}

}  // namespace

void SetParallelThreads(int threads) {
  std::lock_guard<std::mutex> guard(callMutex());
  pool().Resize(threads);
}

int ParallelThreads() { return pool().threads; }

void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  Pool& p = pool();
  const int parts = static_cast<int>(std::min<int64_t>(p.threads, grain > 0 ? n / grain : 1));
  if (parts <= 1) {
    if (n > 0) body(0, n);
    return;
  }
  std::lock_guard<std::mutex> guard(callMutex());
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.body = &body;
    p.n = n;
    p.parts = parts;
    p.pending = parts - 1;
    ++p.generation;
  }
  p.wake.notify_all();
  body(0, n / parts);
  std::unique_lock<std::mutex> lock(p.mutex);
  p.done.wait(lock, [&] { return p.pending == 0; });
}

}  // namespace allo
