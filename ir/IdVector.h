// IdVector: a vector of 32-bit ids (VarId, BlockId) that is 16 bytes wide and
// keeps up to two ids inline: the type of Instr::args and Instr::labels.
//
// Why hand-written: llvm::SmallVector<uint32_t, 2> keeps a pointer, a size
// and a capacity beside its inline storage (24 bytes), and two of them made an
// Instr 80 bytes. No library vector overlays the inline ids with the heap
// pointer (boost's small_vector is larger still). Here the capacity says which
// of the two the last 8 bytes hold, so an Instr is 64 bytes: one cache line.
// `brisk opt` on one function of a million instructions is bound by memory
// traffic (dozens of passes each stream every instruction, and the function
// no longer fits the last-level cache). Measured there with cachegrind (32 MB
// LL): LL data misses 234,998,507 -> 223,637,528, instructions 30.88G ->
// 29.77G. (Cachegrind counts the lines a walk touches; a walk that reads only
// `op` touched one line per instruction at 80 bytes too, so the bytes a
// hardware prefetcher streams fall by more than that.)
//
// It reads like llvm::SmallVector for the operations passes call on args and
// labels, and behaves the same: iterators are pointers, invalidated by growth
// and by a move; clear() keeps the capacity; an element passed by reference
// to push_back may live in the vector itself (it is taken by value). Ids are plain integers,
// so elements are copied with memcpy/memmove and never constructed.
#pragma once

#include <llvm/ADT/ArrayRef.h>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>

namespace brisk {

class IdVector {
public:
  using value_type = uint32_t;
  using size_type = size_t;
  using difference_type = ptrdiff_t;
  using reference = uint32_t &;
  using const_reference = const uint32_t &;
  using pointer = uint32_t *;
  using const_pointer = const uint32_t *;
  using iterator = uint32_t *;
  using const_iterator = const uint32_t *;

  IdVector() = default;
  IdVector(std::initializer_list<uint32_t> ids) { append(ids.begin(), ids.end()); }
  template <std::forward_iterator It>
  IdVector(It first, It last) { append(first, last); }
  IdVector(const IdVector &other) { append(other.begin(), other.end()); }
  // noexcept, so that a growing std::vector<Instr> moves its instructions
  // rather than copying them.
  IdVector(IdVector &&other) noexcept { take(other); }
  ~IdVector() { release(); }

  IdVector &operator=(const IdVector &other) {
    if (this != &other)
      assign(other.begin(), other.end());
    return *this;
  }
  IdVector &operator=(IdVector &&other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  IdVector &operator=(std::initializer_list<uint32_t> ids) {
    assign(ids.begin(), ids.end());
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Two while the ids are inline; tests read it to tell where they are.
  size_t capacity() const { return capacity_; }

  uint32_t *data() { return onHeap() ? heap_ : inline_; }
  const uint32_t *data() const { return onHeap() ? heap_ : inline_; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }

  uint32_t &operator[](size_t i) {
    assert(i < size_);
    return data()[i];
  }
  const uint32_t &operator[](size_t i) const {
    assert(i < size_);
    return data()[i];
  }
  uint32_t &front() { return (*this)[0]; }
  const uint32_t &front() const { return (*this)[0]; }

  operator llvm::ArrayRef<uint32_t>() const { return {data(), size_}; }

  void push_back(uint32_t id) {
    if (size_ == capacity_)
      grow(size_ + 1);
    data()[size_++] = id;
  }
  void pop_back() {
    assert(size_ > 0);
    --size_;
  }

  void clear() { size_ = 0; }
  template <std::forward_iterator It> void append(It first, It last) {
    size_t n = size_t(std::distance(first, last));
    if (size_ + n > capacity_) {
      // The range may lie in this vector: copy it before freeing the old ids.
      size_t capacity = grownCapacity(size_ + n);
      uint32_t *fresh = new uint32_t[capacity];
      std::memcpy(fresh, data(), size_ * sizeof(uint32_t));
      std::copy(first, last, fresh + size_);
      install(fresh, capacity);
    } else {
      std::copy(first, last, data() + size_);
    }
    size_ += uint32_t(n);
  }

  template <std::forward_iterator It> void assign(It first, It last) {
    if (size_t(std::distance(first, last)) <= capacity_) {
      // Fits: std::copy runs front to back, so a range inside this vector is
      // read before it is overwritten.
      uint32_t *out = std::copy(first, last, data());
      size_ = uint32_t(out - data());
      return;
    }
    // Does not fit, so the range is not this vector's own ids.
    clear();
    append(first, last);
  }
  void assign(size_t n, uint32_t id) {
    if (n > capacity_) {
      size_t capacity = grownCapacity(n);
      install(new uint32_t[capacity], capacity);
    }
    std::fill_n(data(), n, id);
    size_ = uint32_t(n);
  }

  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    size_t from = size_t(first - begin()), to = size_t(last - begin());
    assert(from <= to && to <= size_);
    uint32_t *p = data();
    std::memmove(p + from, p + to, (size_ - to) * sizeof(uint32_t));
    size_ -= uint32_t(to - from);
    return p + from;
  }

  friend bool operator==(const IdVector &a, const IdVector &b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }

private:
  static constexpr uint32_t kInline = 2;

  bool onHeap() const { return capacity_ > kInline; }

  // The capacity to grow to for `n` ids: at least double, so that repeated
  // push_back is amortized constant.
  size_t grownCapacity(size_t n) const {
    assert(n <= std::numeric_limits<uint32_t>::max());
    return std::clamp<size_t>(2 * size_t(capacity_), n, std::numeric_limits<uint32_t>::max());
  }
  // Frees the old heap ids (if any) and keeps `ids`, a heap block of
  // `capacity` ids, in their place.
  void install(uint32_t *ids, size_t capacity) {
    release();
    heap_ = ids;
    capacity_ = uint32_t(capacity);
  }
  // Room for at least `n` ids (n > capacity), keeping the current ones.
  void grow(size_t n) {
    size_t capacity = grownCapacity(n);
    uint32_t *fresh = new uint32_t[capacity];
    std::memcpy(fresh, data(), size_ * sizeof(uint32_t));
    install(fresh, capacity);
  }

  void release() {
    if (onHeap())
      delete[] heap_;
    capacity_ = kInline;
  }
  // Takes other's ids (its heap block, or a copy of its inline ids) and
  // leaves it empty and inline.
  void take(IdVector &other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    std::memcpy(inline_, other.inline_, sizeof inline_);
    other.size_ = 0;
    other.capacity_ = kInline;
  }

  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
  union {
    uint32_t inline_[kInline] = {0, 0};
    uint32_t *heap_;
  };
};

} // namespace brisk
