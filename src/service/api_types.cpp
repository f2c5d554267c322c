#include "service/api_types.h"

#include <nlohmann/json.hpp>

namespace viscera {

ApiReply JsonReply(int status, std::string json_text) {
  ApiReply reply;
  reply.status = status;
  reply.body = std::move(json_text);
  return reply;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorruptData:
    case ErrorCode::kInconsistentData:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kUnsupported:
      return 415;
    case ErrorCode::kIoError:
      return 500;
  }
  return 500;
}

ApiReply ErrorReply(int status, const std::string& code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return JsonReply(status, JsonText(body));
}

ApiReply ErrorReply(const Error& error) {
  return ErrorReply(HttpStatusFor(error.code), ErrorCodeName(error.code), error.message);
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Expected<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return MakeError(ErrorCode::kInvalidArgument, "truncated percent escape in URL");
      }
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return MakeError(ErrorCode::kInvalidArgument, "bad percent escape in URL");
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return MakeError(ErrorCode::kInvalidArgument, "NUL byte in URL");
    out.push_back(c);
  }
  return out;
}

Expected<int64_t> ParseIntegerParameter(const std::string& name, const std::string& text,
                                        int64_t lo, int64_t hi) {
  int64_t value = 0;
  bool ok = !text.empty() && text.size() <= 18;
  for (char c : text) ok = ok && c >= '0' && c <= '9';
  if (ok) value = std::stoll(text);
  if (!ok || value < lo || value > hi) {
    return MakeError(ErrorCode::kInvalidArgument, name + ": '" + text + "' is not an integer in " +
                                                      std::to_string(lo) + ".." +
                                                      std::to_string(hi));
  }
  return value;
}

Expected<int64_t> IntegerQuery(const ApiRequest& request, const std::string& name, int64_t fallback,
                               int64_t lo, int64_t hi) {
  const std::string text = request.Query(name);
  if (text.empty()) return fallback;
  return ParseIntegerParameter(name, text, lo, hi);
}

Expected<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view item = query.substr(start, end - start);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      VISCERA_ASSIGN_OR_RETURN(std::string key, PercentDecode(item.substr(0, eq), true));
      std::string value;
      if (eq != std::string_view::npos) {
        VISCERA_ASSIGN_OR_RETURN(value, PercentDecode(item.substr(eq + 1), true));
      }
      out[key] = std::move(value);
    }
    start = end + 1;
  }
  return out;
}

}  // namespace viscera
