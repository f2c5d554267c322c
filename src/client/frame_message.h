// The binary WebSocket message that carries one rendered frame from the render server:
//   uint32 little-endian N | N bytes of JSON header | JPEG bytes
// with header {"type":"frame","input_id":I,"seq":S,"width":W,"height":H,"quality":Q,
// "render_ms":R}. input_id is the id of the newest client input the frame reflects; seq counts
// frames on the session; quality is "draft", "full" or "cinematic".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.h"

namespace viscera {

struct FrameMessage {
  int64_t input_id = 0;
  int64_t seq = 0;
  int width = 0;
  int height = 0;
  std::string quality;
  double render_ms = 0;
  std::string jpeg;
};

// Headers larger than this are refused (a real one is ~120 bytes).
inline constexpr uint32_t kMaxFrameHeaderBytes = 64 * 1024;

// Builds the binary message (the server's side).
std::string EncodeFrameMessage(const FrameMessage& frame);

// Parses a binary message: kCorruptData for a truncated message, bad JSON, a header that is not a
// frame or lacks a field, or a field of the wrong type or range; kTooLarge for a header length
// over kMaxFrameHeaderBytes.
Expected<FrameMessage> ParseFrameMessage(std::string_view binary);

}  // namespace viscera
