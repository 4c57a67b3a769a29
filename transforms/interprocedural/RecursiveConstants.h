// passConstantsDownRecursion: a self-recursive function's constants become
// parameters that its recursive calls pass along, so they are executed once
// per outside call instead of once per activation. Plain (non-SSA) Bril.
//
// Why. Bril has no immediates: every constant is a `const` instruction, and a
// recursive function re-executes its constants on every activation. A call
// passes any number of arguments for the cost of one instruction, so the
// recursive calls can hand the values down for free.
//
// What it does. For a function f (not `main`) that calls itself, a constant
// variable is one that is read, is not a parameter, whose every definition in
// f is a `const` of one scalar type and one literal, and that is defined on
// every path before each of its reads (so moving it changes no run, not even
// a failing one; an unread one is left to dead-code elimination). Constant
// variables with the same type and literal share one representative (the
// others' reads are renamed to it). For the chosen ones
//     @f(a: A): R { ... c: T = const K; ... x: R = call @f e; ... }
// becomes
//     @f(a: A): R { c: T = const K; r: R = call @f.rec a c; ret r; }
//     @f.rec(a: A, c: T): R { ... (no const) ...; x: R = call @f.rec e c; ... }
// f keeps its name and signature (every caller, and every other version of
// f the pipeline may pick, stays valid) and becomes a small wrapper; the
// worker f.rec (".rec", then ".rec.1", ... if taken) is appended to the
// program, so function indices do not move. A void wrapper calls and falls
// off its end. Call sites of f in other functions that ran (all of them
// without weights) take the wrapper's constants right before the call and
// call the worker, as inlining the wrapper would, while their caller stays
// within options.sizeLimit; an outside entry then costs what it cost before.
// When a call that ran has no room, f instead keeps its body and only its
// recursive calls change (the "peeled" wrapper):
//     @f(a: A): R { ... c: T = const K; ... c.1: T = const K;
//                   x: R = call @f.rec e c.1; ... }
// so that entry too costs what it did (the scalar passes merge c.1 with c),
// if f's own budget (options.sizeLimit) has room for the constants.
//
// When (with weights). external = f's entry count minus the counts of its
// self-call blocks: the entries that execute the moved constants outside f,
// at a call site or in the wrapper. A representative costs the counts of its
// definitions' blocks, but no more than those of the blocks that read it (the
// scalar passes sink a constant read only on a cold path to that path); it
// moves when that exceeds external. f is split when the moved ones save at
// least minSaving dynamic instructions, net of the call and ret (none for a
// void f: it falls off) that entries through a small wrapper pay, and at
// least minSavingPerWrapperCost x what those entries pay in it (the k
// constants, the call and the ret). With the peeled wrapper, and when every
// call that ran was rewritten, no entry costs more than before on any input
// (but for constants f would have run only on some paths). Without weights (tests, `--passes=recursive-constants`) every constant
// variable of every self-recursive function moves.
//
// Weights: the worker takes f's block and edge counts (its blocks keep f's
// ids) and entry count; the small wrapper's entry count and block count are
// the external entries that still go through it; a peeled wrapper and the
// worker share f's counts in proportion to their entries. Call sites keep
// their blocks' counts.
//
// Where (transforms/Pipeline.cpp): after tail recursion (which leaves fewer
// self-calls), before inlining, so that the inliner sees the worker's calls
// and copies a worker without constants. Measured against running it after
// the scalar passes instead (which would then still fold a moved constant,
// e.g. x * 1, and merge it with an inlined callee's): on the 22 benchmarks it
// changed then (at 19ad1e2, before tail recursion), geomeans 0.570 / 0.571 /
// 0.616 (shipped / held-out inputs) before inlining, 0.574 / 0.577 / 0.617
// after the scalar passes.
// mccarthy91's main is too small to take the constants: with a small wrapper,
// mccarthy91 on 200 (returns at once) ran 11 instructions instead of 8; with
// the peeled one, 8.
//
// Requires plain form; skips functions with phis, set/get or speculation, and
// programs with two functions of one name. Runs once (no fixpoint).
#pragma once

#include "ir/IR.h"
#include "transforms/superblocks/ProfileWeights.h"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace brisk {

struct RecursiveConstantsOptions {
  double minSaving = 1.0;               // dynamic instructions saved, net of the wrapper
  double minSavingPerWrapperCost = 1.0; // saving / what the wrapper costs, at least
  // The most instructions a caller may have after its call sites take the
  // constants (unset: no limit).
  std::function<size_t(const Function &)> sizeLimit;
};

// One split function: `wrapper` (f's name) now calls `worker`.
struct RecursiveConstantsSplit {
  std::string wrapper, worker;
  unsigned constants = 0;        // parameters added
  double estimatedSaving = 0;    // dynamic instructions (0 without weights)
};

// `weights` may be null (no profile). Returns the functions it split.
std::vector<RecursiveConstantsSplit>
passConstantsDownRecursion(Program &program, ProgramWeights *weights,
                           const RecursiveConstantsOptions &options = {});

} // namespace brisk
