// libFuzzer target for the frontend: crashes, sanitizer reports and hangs
// are findings, and so is any input that fails the round-trip oracle of
// RoundTripOracle.h (the printers must reproduce every program they load).
// A failure prints both printed versions and aborts, so libFuzzer saves the
// input; keep it under test/fuzz/regressions/, where FuzzReplayTest replays
// it in every ordinary build. See docs/fuzzing.md.
#include "test/fuzz/RoundTripOracle.h"

#include <cstdint>
#include <cstdlib>
#include <iostream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  std::string failure = brisk::fuzz::checkRoundTrip(input);
  if (!failure.empty()) {
    std::cerr << failure;
    std::abort();
  }
  return 0;
}
