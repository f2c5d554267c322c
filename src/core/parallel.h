// One way to spread work over the CPU cores: contiguous chunks of an index range, one per thread.
#pragma once

#include <cstdint>
#include <functional>

namespace viscera {

// Number of worker threads ParallelFor uses (hardware concurrency, at least 1).
int WorkerCount();

// Calls body(index) for every index in [begin, end), split into contiguous chunks across
// WorkerCount() threads; returns when all are done. body must not throw.
void ParallelFor(int64_t begin, int64_t end, const std::function<void(int64_t)>& body);

}  // namespace viscera
