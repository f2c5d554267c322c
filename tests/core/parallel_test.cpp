#include "core/parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

namespace viscera {
namespace {

TEST(ParallelTest, WorkerCountIsAtLeastOne) {
  EXPECT_GE(WorkerCount(), 1);
  EXPECT_EQ(WorkerCount(), WorkerCount());
}

// Calls ParallelFor over [begin, end) and checks each index in it is visited exactly once.
void ExpectEachIndexOnce(int64_t begin, int64_t end) {
  const int64_t pad = 4;  // detect calls just outside the range too
  const int64_t lo = std::min(begin, end) - pad;
  const int64_t hi = std::max(begin, end) + pad;
  std::vector<std::atomic<int>> hits(static_cast<size_t>(hi - lo));
  for (auto& h : hits) h = 0;
  std::atomic<int64_t> outside{0};
  ParallelFor(begin, end, [&](int64_t n) {
    if (n < lo || n >= hi) {
      ++outside;
      return;
    }
    ++hits[static_cast<size_t>(n - lo)];
  });
  EXPECT_EQ(outside.load(), 0);
  for (int64_t n = lo; n < hi; ++n) {
    const int want = (n >= begin && n < end) ? 1 : 0;
    ASSERT_EQ(hits[static_cast<size_t>(n - lo)].load(), want)
        << "index " << n << " of [" << begin << ", " << end << ")";
  }
}

TEST(ParallelTest, VisitsEveryIndexExactlyOnce) {
  for (int64_t count : {0, 1, 2, 7, 31, 1000}) ExpectEachIndexOnce(0, count);
}

TEST(ParallelTest, HonoursBeginOffsets) {
  ExpectEachIndexOnce(5, 12);
  ExpectEachIndexOnce(-10, 10);
  ExpectEachIndexOnce(-1000, -3);
  ExpectEachIndexOnce(int64_t{1} << 40, (int64_t{1} << 40) + 777);
}

TEST(ParallelTest, EmptyOrReversedRangeCallsNothing) {
  ExpectEachIndexOnce(3, 3);
  ExpectEachIndexOnce(10, 4);
}

TEST(ParallelTest, EachThreadGetsOneContiguousChunk) {
  const int64_t begin = 100, end = 100 + 4096;
  // One slot per thread that ran part of this call (thread ids may be reused, thread_locals not).
  static std::atomic<int> generation{0};
  const int this_call = ++generation;
  std::mutex mutex;
  std::vector<std::vector<int64_t>> chunks;
  ParallelFor(begin, end, [&](int64_t n) {
    thread_local int seen_call = 0;
    thread_local size_t slot = 0;
    std::lock_guard lock(mutex);
    if (seen_call != this_call) {
      seen_call = this_call;
      slot = chunks.size();
      chunks.emplace_back();
    }
    chunks[slot].push_back(n);
  });
  EXPECT_GE(chunks.size(), 1u);
  EXPECT_LE(chunks.size(), static_cast<size_t>(WorkerCount()));
  int64_t total = 0;
  for (const auto& indices : chunks) {
    // Within a thread, indices come in increasing order with no gaps.
    for (size_t m = 1; m < indices.size(); ++m) ASSERT_EQ(indices[m], indices[m - 1] + 1);
    total += static_cast<int64_t>(indices.size());
  }
  EXPECT_EQ(total, end - begin);
}

TEST(ParallelTest, AllWorkIsDoneWhenItReturns) {
  std::vector<int64_t> squares(5000, -1);
  ParallelFor(0, 5000, [&](int64_t n) { squares[static_cast<size_t>(n)] = n * n; });
  for (int64_t n = 0; n < 5000; ++n) ASSERT_EQ(squares[static_cast<size_t>(n)], n * n);
}

}  // namespace
}  // namespace viscera
