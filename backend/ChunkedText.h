// ChunkedText: the buffer every writer of a large output appends to. Given a
// sink, it hands the buffer over each time it holds a chunk and starts it
// again, so the text of a large program (165 MB of JSON, 25 MB of text for a
// million instructions) is never whole in memory, and each byte is written
// once into a buffer that stays in the cache and read once by write().
// Without a sink the buffer simply grows to the whole text (toText,
// toJsonString). The writers call handOverIfFull() between items (an
// instruction, a line), so the chunks end where the items do, and finish()
// at the end.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace brisk {

// Receives an output's text in order, a chunk at a time; returns false to
// stop (the output failed).
using TextSink = std::function<bool(std::string_view)>;

class ChunkedText {
public:
  // The size at which the buffer goes to the sink: small enough to stay in
  // the cache between two writes, large enough that write() calls are few.
  static constexpr size_t kChunk = 256 << 10;

  // Appends to `out`; with a sink, `out` is handed over and cleared whenever
  // it holds a chunk. The item that crosses the chunk's end stays whole, so
  // a writer reserves kChunk plus its largest usual item once.
  explicit ChunkedText(std::string &out, const TextSink *sink = nullptr)
      : out(out), sink_(sink) {
    if (sink_ && out.capacity() < kChunk)
      out.reserve(kChunk + 4096);
  }

  std::string &out;

  // False once the sink refused a chunk: the writer may stop producing.
  bool ok() const { return ok_; }

  // Hands the buffer to the sink once it holds a chunk.
  void handOverIfFull() {
    if (sink_ && out.size() >= kChunk)
      handOver();
  }

  // Hands over what is left; returns whether every chunk was taken.
  bool finish() {
    if (sink_)
      handOver();
    return ok_;
  }

private:
  void handOver() {
    ok_ = ok_ && (*sink_)(out);
    out.clear();
  }

  const TextSink *sink_;
  bool ok_ = true;
};

} // namespace brisk
