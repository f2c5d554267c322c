#include "core/parallel.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace viscera {

int WorkerCount() {
  return std::max(1u, std::thread::hardware_concurrency());
}

void ParallelFor(int64_t begin, int64_t end, const std::function<void(int64_t)>& body) {
  const int64_t count = end - begin;
  if (count <= 0) return;
  const int64_t threads = std::min<int64_t>(WorkerCount(), count);
  if (threads == 1) {
    for (int64_t n = begin; n < end; ++n) body(n);
    return;
  }
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(threads - 1));
  auto run_chunk = [&](int64_t t) {
    const int64_t lo = begin + count * t / threads;
    const int64_t hi = begin + count * (t + 1) / threads;
    for (int64_t n = lo; n < hi; ++n) body(n);
  };
  for (int64_t t = 1; t < threads; ++t) workers.emplace_back(run_chunk, t);
  run_chunk(0);
  for (auto& w : workers) w.join();
}

}  // namespace viscera
