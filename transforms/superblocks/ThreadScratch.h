// ThreadScratch: working buffers that keep their capacity from one call to
// the next. Superblock formation runs dead code, guard-fact folding and
// region probes on a scratch function per trace candidate, thousands of
// times on a large function; allocating their arrays afresh each time cost
// more than the work. A ThreadScratch<T> lends the thread's one T to a
// single holder at a time: a second holder while the first still has it
// (a nested call), or a holder that asks for its own (its arrays would be
// too large to keep), gets a fresh T of its own instead. The lent T is
// given back, as its holder left it, when the holder is destroyed.
#pragma once

#include <memory>

namespace brisk {

template <class T> class ThreadScratch {
public:
  // share: take the thread's T when no other holder has it.
  explicit ThreadScratch(bool share = true) {
    if (share && !lent()) {
      lent() = true;
      buffers_ = &threadOne();
    } else {
      own_ = std::make_unique<T>();
      buffers_ = own_.get();
    }
  }
  ~ThreadScratch() {
    if (!own_)
      lent() = false;
  }
  ThreadScratch(const ThreadScratch &) = delete;
  ThreadScratch &operator=(const ThreadScratch &) = delete;

  T &operator*() const { return *buffers_; }
  T *operator->() const { return buffers_; }
  // True when this holder has the thread's T (kept after it is done).
  bool shared() const { return !own_; }

private:
  static T &threadOne() {
    static thread_local T buffers;
    return buffers;
  }
  static bool &lent() {
    static thread_local bool isLent = false;
    return isLent;
  }

  std::unique_ptr<T> own_;
  T *buffers_ = nullptr;
};

} // namespace brisk
