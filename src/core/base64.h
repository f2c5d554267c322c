// Base64 (RFC 4648, standard alphabet, padded): how binary payloads such as a spoken reply's WAV
// travel inside JSON messages.
#pragma once

#include <string>
#include <string_view>

#include "core/expected.h"

namespace viscera {

std::string Base64Encode(std::string_view bytes);

// Strict: only the alphabet, length a multiple of 4, '=' only as the last one or two characters.
Expected<std::string> Base64Decode(std::string_view text);

}  // namespace viscera
