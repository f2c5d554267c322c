#include "client/frame_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace viscera {
namespace {

using nlohmann::json;

FrameMessage SampleFrame() {
  FrameMessage frame;
  frame.input_id = 9000000000LL;
  frame.seq = 17;
  frame.width = 512;
  frame.height = 384;
  frame.quality = "draft";
  frame.render_ms = 12.5;
  frame.jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(1000, '\0') + "\xFF\xD9";
  return frame;
}

// A message with an arbitrary header text.
std::string WithHeader(const std::string& header, const std::string& payload = "JPEG") {
  const auto n = static_cast<uint32_t>(header.size());
  std::string out;
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  return out + header + payload;
}

json SampleHeader() {
  return {{"type", "frame"}, {"input_id", 3},     {"seq", 4},         {"width", 64},
          {"height", 32},    {"quality", "full"}, {"render_ms", 1.25}};
}

TEST(FrameMessageTest, RoundTrip) {
  const FrameMessage frame = SampleFrame();
  const std::string bytes = EncodeFrameMessage(frame);
  Expected<FrameMessage> parsed = ParseFrameMessage(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->input_id, frame.input_id);
  EXPECT_EQ(parsed->seq, frame.seq);
  EXPECT_EQ(parsed->width, frame.width);
  EXPECT_EQ(parsed->height, frame.height);
  EXPECT_EQ(parsed->quality, frame.quality);
  EXPECT_DOUBLE_EQ(parsed->render_ms, frame.render_ms);
  EXPECT_EQ(parsed->jpeg, frame.jpeg);
}

TEST(FrameMessageTest, LayoutIsLittleEndianLengthThenJsonThenJpeg) {
  const FrameMessage frame = SampleFrame();
  const std::string bytes = EncodeFrameMessage(frame);
  ASSERT_GE(bytes.size(), 4u);
  const uint32_t n = static_cast<unsigned char>(bytes[0]) |
                     static_cast<unsigned char>(bytes[1]) << 8 |
                     static_cast<unsigned char>(bytes[2]) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(bytes[3])) << 24;
  ASSERT_EQ(bytes.size(), 4 + n + frame.jpeg.size());
  const json header = json::parse(bytes.substr(4, n));
  EXPECT_EQ(header["type"], "frame");
  EXPECT_EQ(header["input_id"], frame.input_id);
  EXPECT_EQ(header["quality"], "draft");
  EXPECT_EQ(bytes.substr(4 + n), frame.jpeg);
}

TEST(FrameMessageTest, EmptyJpegAndExtraFieldsAreAccepted) {
  json header = SampleHeader();
  header["future_field"] = {1, 2, 3};
  Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header.dump(), ""));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->jpeg.empty());
  EXPECT_EQ(parsed->quality, "full");
}

TEST(FrameMessageTest, TruncatedLengthPrefix) {
  for (size_t size = 0; size < 4; ++size) {
    Expected<FrameMessage> parsed = ParseFrameMessage(std::string(size, '\x01'));
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(parsed.error().message.find("truncated"), std::string::npos);
  }
}

TEST(FrameMessageTest, HeaderLongerThanMessage) {
  std::string bytes = WithHeader(SampleHeader().dump(), "");
  bytes.pop_back();  // cut the header's closing brace
  Expected<FrameMessage> parsed = ParseFrameMessage(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
  EXPECT_NE(parsed.error().message.find("truncated"), std::string::npos);
}

TEST(FrameMessageTest, OversizedHeaderLength) {
  std::string bytes("\xFF\xFF\xFF\xFF{}", 6);
  Expected<FrameMessage> parsed = ParseFrameMessage(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
  const uint32_t just_over = kMaxFrameHeaderBytes + 1;
  std::string over;
  for (int shift = 0; shift < 32; shift += 8) {
    over.push_back(static_cast<char>((just_over >> shift) & 0xFF));
  }
  over += std::string(just_over, ' ');
  parsed = ParseFrameMessage(over);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
}

TEST(FrameMessageTest, BadJson) {
  for (const std::string header : {"", "{", "not json", "{\"type\":\"frame\",}"}) {
    Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header));
    ASSERT_FALSE(parsed.ok()) << header;
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(parsed.error().message.find("JSON"), std::string::npos) << parsed.error().message;
  }
}

TEST(FrameMessageTest, HeaderNotAnObjectOrNotAFrame) {
  for (const std::string header : {"[1,2]", "42", "\"frame\"", "null"}) {
    Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header));
    ASSERT_FALSE(parsed.ok()) << header;
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
  }
  for (const json& type : {json("status"), json(7), json(nullptr)}) {
    json header = SampleHeader();
    header["type"] = type;
    Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header.dump()));
    ASSERT_FALSE(parsed.ok()) << header.dump();
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
  }
  json header = SampleHeader();
  header.erase("type");
  EXPECT_FALSE(ParseFrameMessage(WithHeader(header.dump())).ok());
}

TEST(FrameMessageTest, EveryMissingFieldIsNamed) {
  for (const char* field : {"input_id", "seq", "width", "height", "quality", "render_ms"}) {
    json header = SampleHeader();
    header.erase(field);
    Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header.dump()));
    ASSERT_FALSE(parsed.ok()) << field;
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(parsed.error().message.find(field), std::string::npos) << parsed.error().message;
  }
}

TEST(FrameMessageTest, WrongFieldTypes) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"input_id", "3"},    {"input_id", 3.5},  {"seq", true},
      {"width", "64"},      {"height", 32.0},   {"quality", 1},
      {"quality", nullptr}, {"render_ms", "1"}, {"render_ms", json::array()}};
  for (const auto& [field, value] : cases) {
    json header = SampleHeader();
    header[field] = value;
    Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header.dump()));
    ASSERT_FALSE(parsed.ok()) << header.dump();
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(parsed.error().message.find(field), std::string::npos) << parsed.error().message;
  }
}

TEST(FrameMessageTest, OutOfRangeFields) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"width", 0},          {"width", -5}, {"height", 0},
      {"height", 1LL << 40}, {"seq", -1},   {"seq", 18446744073709551615ULL}};
  for (const auto& [field, value] : cases) {
    json header = SampleHeader();
    header[field] = value;
    Expected<FrameMessage> parsed = ParseFrameMessage(WithHeader(header.dump()));
    ASSERT_FALSE(parsed.ok()) << header.dump();
    EXPECT_EQ(parsed.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(parsed.error().message.find(field), std::string::npos) << parsed.error().message;
  }
}

}  // namespace
}  // namespace viscera
