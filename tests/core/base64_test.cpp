#include "core/base64.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace viscera {
namespace {

using ::testing::HasSubstr;

// RFC 4648 section 10's test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.error().ToString();
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 250; n <= bytes.size(); ++n) {
    const std::string part = bytes.substr(0, n);
    auto back = Base64Decode(Base64Encode(part));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, part);
  }
}

TEST(Base64, MalformedTextIsRefusedWithTheReason) {
  EXPECT_THAT(Base64Decode("Zm9").error().message, HasSubstr("not a multiple of 4"));
  EXPECT_THAT(Base64Decode("Zm9v!A==").error().message, HasSubstr("character 4"));
  EXPECT_THAT(Base64Decode("Zm=v").error().message, HasSubstr("character 2"));
  EXPECT_THAT(Base64Decode("Zh==").error().message, HasSubstr("non-zero bits"));
}

}  // namespace
}  // namespace viscera
