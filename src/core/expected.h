// Results at module boundaries: a value or an Error that says what went wrong and with what
// (file, series, field). Exceptions never cross module boundaries, threads or a C ABI.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/check.h"

namespace viscera {

enum class ErrorCode {
  kInvalidArgument,   // a caller-supplied parameter is out of range
  kNotFound,          // a file, series or attribute is missing
  kIoError,           // the OS refused a read or write
  kCorruptData,       // the bytes do not form a valid file of the claimed format
  kUnsupported,       // valid input we deliberately do not handle (e.g. multi-frame)
  kTooLarge,          // a header claims a size we refuse to allocate
  kInconsistentData,  // valid files that do not form one volume (mixed sizes, gaps, tilt)
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  // "corrupt-data: /x/y.nii: header claims 3 dimensions of ..."
  std::string ToString() const;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Expected(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    VISCERA_CHECK(ok(), "value() on an error: " + error().ToString());
    return std::get<T>(state_);
  }
  const T& value() const& {
    VISCERA_CHECK(ok(), "value() on an error: " + error().ToString());
    return std::get<T>(state_);
  }
  T&& value() && {
    VISCERA_CHECK(ok(), "value() on an error: " + error().ToString());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    VISCERA_CHECK(!ok(), "error() on a value");
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// For operations that return nothing on success.
struct Ok {};
using Status = Expected<Ok>;

}  // namespace viscera

// Propagates an error from an Expected expression, binding the value otherwise.
#define VISCERA_CONCAT_INNER(a, b) a##b
#define VISCERA_CONCAT(a, b) VISCERA_CONCAT_INNER(a, b)
#define VISCERA_ASSIGN_OR_RETURN(lhs, expr) \
  VISCERA_ASSIGN_OR_RETURN_IMPL(VISCERA_CONCAT(viscera_expected_, __LINE__), lhs, expr)
#define VISCERA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
#define VISCERA_RETURN_IF_ERROR(expr)                          \
  do {                                                         \
    auto viscera_status_ = (expr);                             \
    if (!viscera_status_.ok()) return viscera_status_.error(); \
  } while (false)
