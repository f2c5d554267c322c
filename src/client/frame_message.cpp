#include "client/frame_message.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace viscera {
namespace {

using nlohmann::json;

Error Corrupt(const std::string& what) {
  return MakeError(ErrorCode::kCorruptData, "frame message: " + what);
}

Expected<int64_t> IntegerField(const json& header, const char* name, int64_t min, int64_t max) {
  auto it = header.find(name);
  if (it == header.end()) return Corrupt(std::string("header lacks \"") + name + "\"");
  if (!it->is_number_integer()) {
    return Corrupt(std::string("header field \"") + name + "\" is not an integer: " + it->dump());
  }
  // Unsigned values above int64 max do not fit; is_number_unsigned catches them before get<>.
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return Corrupt(std::string("header field \"") + name + "\" is out of range: " + it->dump());
  }
  const int64_t value = it->get<int64_t>();
  if (value < min || value > max) {
    return Corrupt(std::string("header field \"") + name + "\" = " + std::to_string(value) +
                   " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

}  // namespace

std::string EncodeFrameMessage(const FrameMessage& frame) {
  const json header = {{"type", "frame"},
                       {"input_id", frame.input_id},
                       {"seq", frame.seq},
                       {"width", frame.width},
                       {"height", frame.height},
                       {"quality", frame.quality},
                       {"render_ms", frame.render_ms}};
  const std::string text = header.dump();
  const auto n = static_cast<uint32_t>(text.size());
  std::string out;
  out.reserve(4 + text.size() + frame.jpeg.size());
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out += text;
  out += frame.jpeg;
  return out;
}

Expected<FrameMessage> ParseFrameMessage(std::string_view binary) {
  if (binary.size() < 4) {
    return Corrupt("truncated: " + std::to_string(binary.size()) +
                   " bytes, fewer than the 4-byte header length");
  }
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i)
    n |= static_cast<uint32_t>(static_cast<unsigned char>(binary[i])) << (8 * i);
  if (n > kMaxFrameHeaderBytes) {
    return MakeError(ErrorCode::kTooLarge, "frame message: header length " + std::to_string(n) +
                                               " exceeds the limit of " +
                                               std::to_string(kMaxFrameHeaderBytes) + " bytes");
  }
  if (n > binary.size() - 4) {
    return Corrupt("truncated: header length " + std::to_string(n) + " but only " +
                   std::to_string(binary.size() - 4) + " bytes follow");
  }
  const json header = json::parse(binary.substr(4, n), nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return Corrupt("header is not valid JSON");
  if (!header.is_object()) return Corrupt("header is not a JSON object: " + header.dump());
  auto type = header.find("type");
  if (type == header.end() || !type->is_string() || type->get<std::string>() != "frame") {
    return Corrupt("header type is not \"frame\"");
  }
  constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  FrameMessage frame;
  VISCERA_ASSIGN_OR_RETURN(
      frame.input_id,
      IntegerField(header, "input_id", std::numeric_limits<int64_t>::min(), kInt64Max));
  VISCERA_ASSIGN_OR_RETURN(frame.seq, IntegerField(header, "seq", 0, kInt64Max));
  VISCERA_ASSIGN_OR_RETURN(int64_t width, IntegerField(header, "width", 1, kIntMax));
  VISCERA_ASSIGN_OR_RETURN(int64_t height, IntegerField(header, "height", 1, kIntMax));
  frame.width = static_cast<int>(width);
  frame.height = static_cast<int>(height);
  auto quality = header.find("quality");
  if (quality == header.end() || !quality->is_string()) {
    return Corrupt("header field \"quality\" is missing or not a string");
  }
  frame.quality = quality->get<std::string>();
  auto render_ms = header.find("render_ms");
  if (render_ms == header.end() || !render_ms->is_number()) {
    return Corrupt("header field \"render_ms\" is missing or not a number");
  }
  frame.render_ms = render_ms->get<double>();
  frame.jpeg.assign(binary.substr(4 + n));
  return frame;
}

}  // namespace viscera
