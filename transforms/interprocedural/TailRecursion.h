// eliminateTailRecursion: self-recursive calls in tail position become jumps
// back to the top of the function (LLVM's TailCallElim), on plain Bril. The
// first pass of the superblock pipeline, so that the inliner and the SSA loop
// passes see loops instead of self-calls.
//
// What a tail call is. A call `x = call @f args` inside f itself, with as
// many arguments as f has parameters, after which f only returns x:
// following the code after the call, through `jmp` and fall-through (never
// `br`), every instruction is pure (EffectClass::Pure: it is dropped, and
// cannot trap) until `ret y`, where y is x or an `id` copy of it made on the
// way (and not overwritten since). For a void f: the call, pure code, then
// `ret` or the function's end.
//
// What it builds. f gets a fresh unlabeled entry block that falls into the
// old entry (so that the old entry, now a loop header, is not the function's
// entry). At each tail call the call and everything after it in
// its block are replaced by the parallel assignment of the arguments to the
// parameters, `p = id a` for each parameter whose argument is not itself,
// and `jmp <old entry>`. An argument that reads a parameter assigned earlier
// in that sequence is first copied to a fresh temporary (`tre.tmp`). Blocks
// only the tail calls reached become unreachable and are removed.
//
// The fresh entry also takes the old entry's `const` instructions whose
// variable nothing else writes: they then run once per entry from outside
// instead of once per iteration (loop rotation would otherwise copy them into
// the loop's guard, and later passes fold the copies' phis back into it).
//
// Which calls are worth it. The rewrite removes the call, the `jmp`s and the
// `ret` after it (`saved`; the copies and dead code there would go anyway)
// and, for an accumulator, the OP; it adds the copies that are likely to
// stay (`cost`): a parameter copied from another parameter (both live around
// the loop, so out of SSA they cannot share a variable), each temporary, and
// the accumulator's OP. Other copies usually coalesce away, and loop rotation
// turns the `jmp` into the loop's branch. A source is followed back through
// the `id` copies before the call in its block. A call is rewritten when
// saved > cost, and when cost > 0, saved > cost + 1 (one for what the
// estimate misses): hanoi's last call, which swaps two parameters, and gcd's
// (a, b) = (b, a mod b) stay calls; a void call that falls off the end,
// saving only the call, is rewritten when it needs no such copy
// (sqrt_bin_search's main). Calls that stay are still calls to f's (new)
// entry, so they remain correct.
//
// Accumulator recursion (options.accumulators). In an int function, a call
// `r = call @f args` followed (pure code as above) by `y = OP r a` or
// `y = OP a r`, OP add or mul, and then `ret y` (or a copy), where a is not
// written between the call and OP and is not r (nor a copy of it): since add
// and mul on 64-bit ints are associative and commutative, f(args) OP a may be
// computed as an accumulator. A fresh variable `tre.acc` is set to OP's
// identity (0 or 1) in the new entry; each such site does `tre.acc = OP
// tre.acc a` before the parameter copies and jumps back; every other
// `ret v` of f becomes `t = OP tre.acc v; ret t`. All accumulator sites of a
// function must use one OP (the first found; sites with the other are left
// alone). Calls f makes to itself elsewhere enter through the new entry and
// so start from the identity. With weights, accumulation is done only where
// it saves: each accumulated call saves its call and ret (the OP stays, on
// the accumulator), each entry from outside pays the identity and the OP at
// its return (which folds when the base case returns the identity), counted
// as one: accumulate when 2 x accumulated calls > outside entries. The
// operand a may also be an `id` copy, made after the call, of a variable not
// written since (fib's `v16 = id f1`): the accumulator then reads the source.
//
// When a function is left alone. It has phis, set/get or speculation; it
// mentions the `any` type; or a variable other than a parameter is live into
// its entry, i.e. some path may read a variable before writing it. Under
// brili such a read is an error on every entry; after the rewrite a later
// iteration would read the previous iteration's value, so the function is
// skipped (well-formed programs never do this). Deep recursion that would
// exhaust the reference interpreter's stack runs as a loop instead.
//
// Weights (transforms/superblocks/ProfileWeights.h), when given: the new back edge from a
// tail-call block carries that block's count, the blocks and edges on the
// way from the call to its `ret` lose it, the new entry gets the external
// entries (entryCount minus the tail calls), which becomes entryCount.
//
// Requires plain form. Runs once (no fixpoint). Invalidates every analysis of
// the functions it changes. The Program form skips a program with two
// functions of the same name (calls there are ambiguous).
#pragma once

#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"

namespace brisk {

struct TailRecursionOptions {
  bool accumulators = true;
  // Rewrite only calls whose estimated saving exceeds their cost ("Which
  // calls are worth it"); off: every tail call (tests).
  bool onlyWhenItPays = true;
};

// Returns whether f changed. `weights` (may be null) are f's own.
bool eliminateTailRecursion(Function &f, FunctionWeights *weights,
                            const TailRecursionOptions &options = {});
// Every function of the program; `weights` may be null.
bool eliminateTailRecursion(Program &program, ProgramWeights *weights,
                            const TailRecursionOptions &options = {});

} // namespace brisk
