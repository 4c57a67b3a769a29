// IdVector: every operation agrees with std::vector across the inline <-> heap
// boundary, copies and moves are independent in both states, and an element
// of the vector itself may be the argument of an operation that grows it.
#include "ir/IdVector.h"

#include <gtest/gtest.h>

#include <llvm/ADT/ArrayRef.h>

#include <type_traits>
#include <utility>
#include <vector>

namespace brisk {
namespace {

std::vector<uint32_t> asStd(const IdVector &v) { return {v.begin(), v.end()}; }

// 0, 1, ..., n-1, plus 100: distinct values, so that a shifted or lost
// element shows.
IdVector iota(uint32_t n) {
  IdVector v;
  for (uint32_t i = 0; i < n; ++i)
    v.push_back(100 + i);
  return v;
}
std::vector<uint32_t> iotaStd(uint32_t n) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < n; ++i)
    v.push_back(100 + i);
  return v;
}

// Sizes on both sides of the inline capacity (2) and of the first doublings.
constexpr uint32_t kSizes[] = {0, 1, 2, 3, 4, 5, 8, 9, 33};

TEST(IdVector, IsSixteenBytesWithTwoIdsInline) {
  static_assert(sizeof(IdVector) == 16);
  static_assert(std::is_nothrow_move_constructible_v<IdVector>);
  static_assert(std::is_nothrow_move_assignable_v<IdVector>);
  IdVector v;
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), 2u);
  const uint32_t *inlineIds = v.data();
  v.push_back(1);
  v.push_back(2);
  EXPECT_EQ(v.data(), inlineIds); // still inline
  v.push_back(3);
  EXPECT_NE(v.data(), inlineIds); // moved to the heap
  EXPECT_GE(v.capacity(), 3u);
  EXPECT_EQ(asStd(v), (std::vector<uint32_t>{1, 2, 3}));
}

TEST(IdVector, PushBackAndPopBackThroughEveryGrowth) {
  IdVector v;
  std::vector<uint32_t> ref;
  for (uint32_t i = 0; i < 100; ++i) {
    v.push_back(i * 7);
    ref.push_back(i * 7);
    ASSERT_EQ(asStd(v), ref);
    ASSERT_LE(v.size(), v.capacity());
  }
  EXPECT_EQ(v.front(), 0u);
  EXPECT_EQ(v[99], 99u * 7);
  while (!ref.empty()) {
    ASSERT_EQ(v[v.size() - 1], ref.back());
    v.pop_back();
    ref.pop_back();
    ASSERT_EQ(asStd(v), ref);
  }
  EXPECT_TRUE(v.empty());
}

TEST(IdVector, PushBackOfItsOwnElementWhileGrowing) {
  for (uint32_t n : kSizes) {
    if (n == 0)
      continue;
    // Fill to capacity so that the push_back must reallocate, then push an
    // element of the old storage.
    IdVector v = iota(n);
    while (v.size() < v.capacity())
      v.push_back(uint32_t(v.size()) + 100);
    std::vector<uint32_t> ref = asStd(v);
    v.push_back(v[0]);
    ref.push_back(ref[0]);
    EXPECT_EQ(asStd(v), ref) << n;
  }
}

TEST(IdVector, InitializerListAndRangeConstructors) {
  EXPECT_EQ(asStd(IdVector{}), std::vector<uint32_t>{});
  EXPECT_EQ(asStd(IdVector{5}), std::vector<uint32_t>{5});
  EXPECT_EQ(asStd(IdVector{5, 6}), (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(asStd(IdVector{5, 6, 7, 8}), (std::vector<uint32_t>{5, 6, 7, 8}));
  for (uint32_t n : kSizes) {
    std::vector<uint32_t> ref = iotaStd(n);
    IdVector v(ref.begin(), ref.end());
    EXPECT_EQ(asStd(v), ref);
    EXPECT_EQ(v.capacity() == 2, n <= 2);
  }
}

TEST(IdVector, CopiesAreIndependentInBothStates) {
  for (uint32_t n : kSizes) {
    IdVector a = iota(n);
    IdVector b(a);
    EXPECT_EQ(a, b);
    b.push_back(1);
    if (n > 0)
      b[0] = 2;
    EXPECT_EQ(asStd(a), iotaStd(n)) << n;
    // Copy assignment onto every size: onto inline, onto heap, growing and
    // shrinking.
    for (uint32_t m : kSizes) {
      IdVector c = iota(m);
      c.push_back(42);
      c = a;
      EXPECT_EQ(asStd(c), iotaStd(n)) << n << " onto " << m;
      c.push_back(3);
      EXPECT_EQ(asStd(a), iotaStd(n));
    }
  }
}

TEST(IdVector, MovesLeaveTheSourceEmptyAndUsable) {
  for (uint32_t n : kSizes) {
    IdVector a = iota(n);
    const uint32_t *heapIds = a.data();
    IdVector b(std::move(a));
    EXPECT_EQ(asStd(b), iotaStd(n));
    if (n > 2) {
      EXPECT_EQ(b.data(), heapIds); // the heap block is taken, not copied
    }
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.capacity(), 2u);
    a.push_back(9);
    a.push_back(10);
    a.push_back(11);
    EXPECT_EQ(asStd(a), (std::vector<uint32_t>{9, 10, 11}));
    EXPECT_EQ(asStd(b), iotaStd(n));

    for (uint32_t m : kSizes) {
      IdVector c = iota(m);
      IdVector d = iota(n);
      c = std::move(d);
      EXPECT_EQ(asStd(c), iotaStd(n)) << n << " onto " << m;
      EXPECT_TRUE(d.empty());
      d.push_back(1);
      EXPECT_EQ(asStd(c), iotaStd(n));
    }
  }
}

TEST(IdVector, SelfAssignmentKeepsTheIds) {
  for (uint32_t n : kSizes) {
    IdVector v = iota(n);
    IdVector &alias = v;
    v = alias;
    EXPECT_EQ(asStd(v), iotaStd(n));
    v = std::move(alias);
    EXPECT_EQ(asStd(v), iotaStd(n));
    v.assign(v.begin(), v.end());
    EXPECT_EQ(asStd(v), iotaStd(n));
    // A tail of itself.
    if (n > 0) {
      v.assign(v.begin() + 1, v.end());
      std::vector<uint32_t> ref = iotaStd(n);
      ref.erase(ref.begin());
      EXPECT_EQ(asStd(v), ref);
    }
  }
}

TEST(IdVector, AssignReplacesTheContents) {
  for (uint32_t n : kSizes)
    for (uint32_t m : kSizes) {
      IdVector v = iota(n);
      std::vector<uint32_t> ref(m, 77);
      v.assign(m, 77);
      EXPECT_EQ(asStd(v), ref);
      ref = iotaStd(m);
      v.assign(ref.begin(), ref.end());
      EXPECT_EQ(asStd(v), ref);
    }
  IdVector v = iota(5);
  v = {3, 4, 5};
  EXPECT_EQ(asStd(v), (std::vector<uint32_t>{3, 4, 5}));
  v = {};
  EXPECT_TRUE(v.empty());
}

TEST(IdVector, AppendIncludingItsOwnIds) {
  for (uint32_t n : kSizes)
    for (uint32_t m : kSizes) {
      IdVector v = iota(n);
      std::vector<uint32_t> ref = iotaStd(n), more(m, 5);
      v.append(more.begin(), more.end());
      ref.insert(ref.end(), more.begin(), more.end());
      EXPECT_EQ(asStd(v), ref);
    }
  for (uint32_t n : kSizes) {
    IdVector v = iota(n);
    std::vector<uint32_t> ref = iotaStd(n), self = iotaStd(n);
    v.append(v.begin(), v.end()); // doubles, reallocating unless n is 0 or 1
    ref.insert(ref.end(), self.begin(), self.end());
    EXPECT_EQ(asStd(v), ref) << n;
  }
}

TEST(IdVector, EraseAtEveryPositionAndEveryRange) {
  for (uint32_t n : kSizes) {
    for (uint32_t at = 0; at < n; ++at) {
      IdVector v = iota(n);
      std::vector<uint32_t> ref = iotaStd(n);
      IdVector::iterator it = v.erase(v.begin() + at);
      ref.erase(ref.begin() + at);
      EXPECT_EQ(asStd(v), ref);
      EXPECT_EQ(it, v.begin() + at);
    }
    for (uint32_t from = 0; from <= n; ++from)
      for (uint32_t to = from; to <= n; ++to) {
        IdVector v = iota(n);
        std::vector<uint32_t> ref = iotaStd(n);
        IdVector::iterator it = v.erase(v.begin() + from, v.begin() + to);
        ref.erase(ref.begin() + from, ref.begin() + to);
        EXPECT_EQ(asStd(v), ref) << n << " [" << from << ", " << to << ")";
        EXPECT_EQ(it, v.begin() + from);
      }
  }
}

TEST(IdVector, ClearKeepsTheHeapBlock) {
  IdVector v = iota(40);
  const uint32_t *ids = v.data();
  size_t capacity = v.capacity();
  v.clear();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.capacity(), capacity); // like SmallVector, clear keeps the block
  for (uint32_t i = 0; i < 40; ++i)
    v.push_back(i);
  EXPECT_EQ(v.data(), ids); // refilled without a reallocation
  EXPECT_EQ(v[39], 39u);
}

TEST(IdVector, EqualityComparesTheIdsOnly) {
  IdVector a{1, 2, 3}, b{1, 2};
  EXPECT_FALSE(a == b);
  b.push_back(3);
  EXPECT_TRUE(a == b);
  a.pop_back();
  a.pop_back();
  b = {1};
  EXPECT_TRUE(a == b); // a is on the heap, b inline
  b[0] = 2;
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(IdVector{} == IdVector());
}

TEST(IdVector, ViewsAsArrayRef) {
  IdVector v{4, 5, 6};
  llvm::ArrayRef<uint32_t> ids = v;
  EXPECT_EQ(ids.data(), v.data());
  EXPECT_EQ(ids.size(), 3u);
}

} // namespace
} // namespace brisk
