// fromSSA: translates a function out of SSA form back to ordinary Bril,
// following Boissinot et al. ("Revisiting Out-of-SSA Translation for
// Correctness, Code Quality, and Efficiency", CGO 2009):
//
//  1. Isolate every phi: its argument from predecessor p becomes a fresh
//     variable written by a copy at the end of p (before p's terminator),
//     its result a fresh variable copied to the old one after the phis. The
//     copies at one program point form a parallel copy. This alone is
//     correct for the lost-copy and swap problems.
//  2. Coalesce: a phi and its isolated operands share one name; then each
//     copy (the inserted ones first, then the program's own `id`s), hottest
//     loop first, merges its two names when no pair of variables in the two
//     classes interferes. Interference is live-range intersection refined by
//     value: two variables that hold the same value (one is a copy of the
//     other) never interfere. Classes with the same original name are then
//     merged too when they do not interfere, so names come back as written.
//  3. Rename every variable to its class name (the original name, recovered
//     from the `<original>.<n>` spelling toSSA gives versions; parameters
//     keep theirs), drop phis and copies whose two sides now agree, and
//     sequentialize what remains of each parallel copy (a cycle costs one
//     temporary).
//
// No critical edge is ever split: a copy at the end of a predecessor with
// several successors writes a name that interference checking proved dead on
// the other edges, so executing it there is harmless, and no jump is added.
// Phi arguments that are `undef` get no copy; `undef` instructions left with
// no reader are deleted.
//
// Requires: SSA form with phis (not set/get), no speculation. Returns true
// when it changed the function. Invalidates every analysis of the function.
#pragma once

#include "ir/IR.h"

namespace brisk {

bool fromSSA(Function &f);

} // namespace brisk
