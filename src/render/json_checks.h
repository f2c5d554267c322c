// Named range checks on JSON values, shared by the settings parsers (Clara settings here,
// src/control/'s settings and session messages; not part of the render API). A check that fails
// throws FieldError, which keeps each check one line long; each parser's public entry point
// catches it (and every nlohmann exception) and turns it into an Error, so no exception leaves
// a parser.
//
// Paths are written as a user would address the value: "organs[2].opacity_scale". Messages are
// "<path>: <problem>", the problem naming the range and the value as it was sent:
//   organs[2].opacity_scale: 1.7 is outside 0..1
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/expected.h"
#include "core/geometry.h"
#include "render/render_settings.h"

namespace viscera::json_checks {

using nlohmann::json;

struct FieldError {
  std::string path, problem;
};

// "path: problem", or the problem alone for the top level.
std::string Message(const std::string& path, const std::string& problem);
[[noreturn]] void Fail(const std::string& path, const std::string& problem);

// The value as it was sent, for messages: never throws (whatever the bytes), containers shown
// two levels deep and everything cut to about 80 characters.
std::string Shown(const json& v);
// Whole numbers without a decimal point: "0..1", not "0.0..1.0".
std::string Num(double x);

// `[1, 2.5, 3]`, for messages about a whole vector.
std::string VectorText(const Vec3& v);
// `text` with every byte that is not part of valid UTF-8 replaced by '?': messages go to clients
// as JSON strings, which must be valid UTF-8.
std::string ValidUtf8(std::string_view text);
// A nlohmann exception's message without its "[json.exception.parse_error.101] parse error at
// line 1, column 5: " prefix, as valid UTF-8.
std::string JsonErrorText(const json::exception& e);

std::string Join(const std::string& path, const char* key);
std::string At(const std::string& path, size_t index);

const json& Object(const json& v, const std::string& path);
const json& Array(const json& v, const std::string& path);
// Refuses members of `obj` not in `allowed`: `unknown field "x" (a, b, c)`.
void OnlyFields(const json& obj, const std::string& path,
                std::initializer_list<const char*> allowed);
// The member `key` of `obj`, or nullptr when it is absent.
const json* Find(const json& obj, const char* key);

// A finite number within +-kLargest.
constexpr double kLargest = 1e9;
double Number(const json& v, const std::string& path);
// lo..hi inclusive: "1.7 is outside 0..1".
double NumberIn(const json& v, const std::string& path, double lo, double hi);
// (lo, hi] when `open_hi` is false, (lo, hi) when true: "0 is outside (0, 180)".
double NumberAbove(const json& v, const std::string& path, double lo, double hi, bool open_hi);
// An integer (no fraction, no exponent form) in lo..hi.
int64_t IntegerIn(const json& v, const std::string& path, int64_t lo, int64_t hi);
bool Bool(const json& v, const std::string& path);
std::string String(const json& v, const std::string& path);
// A string of at most `max_chars` characters (UTF-8 code points).
std::string StringUpTo(const json& v, const std::string& path, size_t max_chars);
// [x, y, z], each in -limit..limit; `nonzero` refuses [0, 0, 0].
Vec3 Vector(const json& v, const std::string& path, double limit, bool nonzero);
json VectorJson(const Vec3& v);
// [r, g, b], each 0..1.
Color Rgb(const json& v, const std::string& path);
json RgbJson(const Color& c);
// Label ids 0..65535, at most `max_count` of them.
std::vector<uint16_t> RegionIds(const json& v, const std::string& path, size_t max_count);

// Names of enumeration values, read and written through one table: reading lists every name in
// its error ("unknown mode \"foo\" (composite, mip, ...)"), writing uses the value's name.
template <typename E>
using Names = std::initializer_list<std::pair<const char*, E>>;

std::string NameList(std::initializer_list<const char*> names);

template <typename E>
E Named(Names<E> names, const json& v, const std::string& path, const char* kind) {
  const std::string name = String(v, path);
  std::string list;
  for (const auto& [n, e] : names) {
    if (name == n) return e;
    if (!list.empty()) list += ", ";
    list += n;
  }
  Fail(path, std::string("unknown ") + kind + " " + Shown(v) + " (" + list + ")");
}

template <typename E>
const char* NameOf(Names<E> names, E value) {
  for (const auto& [n, e] : names) {
    if (e == value) return n;
  }
  return names.begin()->first;
}

// Runs `read(value, path)` on member `key` of `obj` when it is present.
template <typename F>
void Optional(const json& obj, const std::string& path, const char* key, F&& read) {
  if (const json* v = Find(obj, key)) read(*v, Join(path, key));
}

// Runs `body` and turns whatever it throws into an Error: FieldError as kInvalidArgument with
// its path, nlohmann exceptions and std::exception as kInvalidArgument naming `what`.
template <typename T, typename F>
Expected<T> Checked(const char* what, F&& body) {
  try {
    return body();
  } catch (const FieldError& e) {
    return MakeError(ErrorCode::kInvalidArgument, Message(e.path, e.problem));
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": " + JsonErrorText(e));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": " + ValidUtf8(e.what()));
  }
}

}  // namespace viscera::json_checks
