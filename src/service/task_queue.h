// A few worker threads running posted tasks in order of arrival: slow work (settings saves,
// dataset loads) off the network threads and off the render thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace viscera {

class TaskQueue {
 public:
  explicit TaskQueue(int threads);
  ~TaskQueue();  // runs what is queued, then joins
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  // Tasks must not throw.
  void Post(std::function<void()> task);

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace viscera
