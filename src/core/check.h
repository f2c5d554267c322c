// Checks for programmer bugs (never for bad input: that gets an Error).
#pragma once

#include <string_view>

namespace viscera::detail {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              std::string_view message);
}  // namespace viscera::detail

#define VISCERA_CHECK(condition, message)                                        \
  do {                                                                           \
    if (!(condition)) [[unlikely]]                                               \
      ::viscera::detail::CheckFailed(__FILE__, __LINE__, #condition, (message)); \
  } while (false)
