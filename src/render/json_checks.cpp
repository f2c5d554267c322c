#include "render/json_checks.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace viscera::json_checks {
namespace {

constexpr size_t kShownChars = 80;

std::string Cut(std::string s) {
  if (s.size() > kShownChars) {
    // Back up to the start of a UTF-8 character so the message stays valid UTF-8.
    size_t end = kShownChars;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    s.resize(end);
    s += "...";
  }
  return s;
}

// Containers printed `depth` levels deep, their first few members only: never a recursion as deep
// as the value, whatever was sent.
void ShowInto(const json& v, int depth, std::string& out) {
  if (out.size() > kShownChars) return;
  if (!v.is_structured()) {
    out += Cut(v.dump(-1, ' ', false, json::error_handler_t::replace));
    return;
  }
  const bool object = v.is_object();
  if (depth == 0 || v.empty()) {
    out += object ? (v.empty() ? "{}" : "{...}") : (v.empty() ? "[]" : "[...]");
    return;
  }
  out += object ? '{' : '[';
  size_t n = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++n) {
    if (n > 0) out += ',';
    if (n == 4 || out.size() > kShownChars) {
      out += "...";
      break;
    }
    if (object) {
      out += Cut(json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace));
      out += ':';
    }
    ShowInto(*it, depth - 1, out);
  }
  out += object ? '}' : ']';
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string Message(const std::string& path, const std::string& problem) {
  return path.empty() ? problem : path + ": " + problem;
}

void Fail(const std::string& path, const std::string& problem) {
  throw FieldError{path, problem};
}

std::string Shown(const json& v) {
  std::string out;
  ShowInto(v, 2, out);
  return Cut(std::move(out));
}

std::string Num(double x) {
  if (std::floor(x) == x && std::abs(x) < 1e15) return std::to_string(static_cast<int64_t>(x));
  return json(x).dump();
}

std::string VectorText(const Vec3& v) {
  std::string out = "[";
  for (size_t a = 0; a < 3; ++a) {
    if (a > 0) out += ", ";
    out += Num(v[a]);
  }
  out += ']';
  return out;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t n = 0;
  while (n < text.size()) {
    const auto lead = static_cast<unsigned char>(text[n]);
    // The length of the sequence `lead` starts, and the range of its second byte (RFC 3629).
    size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) lo = 0xA0;
      if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) lo = 0x90;
      if (lead == 0xF4) hi = 0x8F;
    }
    bool valid = length > 0 && n + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto c = static_cast<unsigned char>(text[n + k]);
      valid = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    }
    if (valid) {
      out.append(text.substr(n, length));
      n += length;
    } else {
      out += '?';
      ++n;
    }
  }
  return out;
}

std::string JsonErrorText(const json::exception& e) {
  std::string_view text = e.what();
  if (!text.empty() && text.front() == '[') {
    const size_t end = text.find("] ");
    if (end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  if (text.starts_with("parse error")) {
    const size_t colon = text.find(": ");
    if (colon != std::string_view::npos) text.remove_prefix(colon + 2);
  }
  return ValidUtf8(text);
}

std::string Join(const std::string& path, const char* key) {
  std::string out = path;
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string At(const std::string& path, size_t index) {
  return path + '[' + std::to_string(index) + ']';
}

const json& Object(const json& v, const std::string& path) {
  if (!v.is_object()) Fail(path, "expected an object, got " + Shown(v));
  return v;
}

const json& Array(const json& v, const std::string& path) {
  if (!v.is_array()) Fail(path, "expected an array, got " + Shown(v));
  return v;
}

std::string NameList(std::initializer_list<const char*> names) {
  std::string list;
  for (const char* n : names) {
    if (!list.empty()) list += ", ";
    list += n;
  }
  return list;
}

void OnlyFields(const json& obj, const std::string& path,
                std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const char* key : allowed) known = known || it.key() == key;
    if (!known) {
      Fail(path, "unknown field " + Shown(json(it.key())) + " (" + NameList(allowed) + ")");
    }
  }
}

const json* Find(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

double Number(const json& v, const std::string& path) {
  if (!v.is_number()) Fail(path, "expected a number, got " + Shown(v));
  const double x = v.get<double>();
  if (!std::isfinite(x) || std::abs(x) > kLargest) {
    Fail(path, Shown(v) + " is not a finite number within +-1e9");
  }
  return x;
}

double NumberIn(const json& v, const std::string& path, double lo, double hi) {
  const double x = Number(v, path);
  if (x < lo || x > hi) Fail(path, Shown(v) + " is outside " + Num(lo) + ".." + Num(hi));
  return x;
}

double NumberAbove(const json& v, const std::string& path, double lo, double hi, bool open_hi) {
  const double x = Number(v, path);
  if (x <= lo || x > hi || (open_hi && x == hi)) {
    Fail(path, Shown(v) + " is outside (" + Num(lo) + ", " + Num(hi) + (open_hi ? ")" : "]"));
  }
  return x;
}

int64_t IntegerIn(const json& v, const std::string& path, int64_t lo, int64_t hi) {
  if (!v.is_number_integer()) Fail(path, "expected an integer, got " + Shown(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    Fail(path, Shown(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) {
    Fail(path, Shown(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return x;
}

bool Bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) Fail(path, "expected true or false, got " + Shown(v));
  return v.get<bool>();
}

std::string String(const json& v, const std::string& path) {
  if (!v.is_string()) Fail(path, "expected a string, got " + Shown(v));
  return v.get<std::string>();
}

std::string StringUpTo(const json& v, const std::string& path, size_t max_chars) {
  std::string s = String(v, path);
  const size_t length = Utf8Length(s);
  if (length > max_chars) {
    Fail(path, std::to_string(length) + " characters is longer than the " +
                   std::to_string(max_chars) + " allowed");
  }
  return s;
}

Vec3 Vector(const json& v, const std::string& path, double limit, bool nonzero) {
  if (!v.is_array() || v.size() != 3) {
    Fail(path, "expected an array of 3 numbers [x, y, z], got " + Shown(v));
  }
  Vec3 out{};
  for (size_t a = 0; a < 3; ++a) out[a] = NumberIn(v[a], At(path, a), -limit, limit);
  if (nonzero && out[0] == 0 && out[1] == 0 && out[2] == 0) {
    Fail(path, "must not be the zero vector, got " + Shown(v));
  }
  return out;
}

json VectorJson(const Vec3& v) {
  return json::array({v[0], v[1], v[2]});
}

Color Rgb(const json& v, const std::string& path) {
  if (!v.is_array() || v.size() != 3) {
    Fail(path, "expected an array of 3 numbers [r, g, b] in 0..1, got " + Shown(v));
  }
  double c[3];
  for (size_t a = 0; a < 3; ++a) c[a] = NumberIn(v[a], At(path, a), 0, 1);
  return {static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2])};
}

json RgbJson(const Color& c) {
  // The float's shortest decimal form ("0.91", not 0.9100000262260437), which reads back to the
  // same float.
  auto channel = [](float x) {
    char text[32];
    const auto result = std::to_chars(text, text + sizeof(text), x);
    *result.ptr = '\0';
    return std::strtod(text, nullptr);
  };
  return json::array({channel(c.r), channel(c.g), channel(c.b)});
}

std::vector<uint16_t> RegionIds(const json& v, const std::string& path, size_t max_count) {
  Array(v, path);
  if (v.size() > max_count) {
    Fail(path, std::to_string(v.size()) + " ids is more than the " + std::to_string(max_count) +
                   " allowed");
  }
  std::vector<uint16_t> ids;
  ids.reserve(v.size());
  for (size_t n = 0; n < v.size(); ++n) {
    ids.push_back(static_cast<uint16_t>(IntegerIn(v[n], At(path, n), 0, 65535)));
  }
  return ids;
}

}  // namespace viscera::json_checks
