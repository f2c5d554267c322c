// What the transport hands to the service's handlers and gets back: plain structs, no Beast. The
// HTTP layer (http_server.cpp) copies fields in and out; handlers never see sockets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query: "/api/datasets/abdomen"
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> headers;      // lower-case names
  std::map<std::string, std::string> path_params;  // filled by the router: {"id": "abdomen"}
  std::string body;                                // small bodies (JSON)
  std::filesystem::path body_file;                 // uploads: the body streamed to this file
  std::string remote;                              // peer address, for logs

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::filesystem::path file;  // when set, the body is this file (streamed), deleted after if
  bool delete_file_after = false;
  std::vector<std::pair<std::string, std::string>> headers;
};

// JSON text that never throws: invalid UTF-8 (from a file name, a label name) becomes U+FFFD.
inline std::string JsonText(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A JSON body with the given status.
ApiReply JsonReply(int status, std::string json_text);
// {"error": {"code": "invalid-argument", "message": "..."}} with the HTTP status for the code.
ApiReply ErrorReply(const Error& error);
ApiReply ErrorReply(int status, const std::string& code, const std::string& message);
// The HTTP status an error code maps to (invalid-argument 400, not-found 404, too-large 413, ...).
int HttpStatusFor(ErrorCode code);

// Percent-decoding of a path or query component; fails on a malformed escape or a NUL byte.
Expected<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// A decimal integer parameter (path segment or query value) in lo..hi; kInvalidArgument naming
// `name`, the text and the range otherwise.
Expected<int64_t> ParseIntegerParameter(const std::string& name, const std::string& text,
                                        int64_t lo, int64_t hi);
// The query parameter `name` parsed as above; `fallback` when the request has none.
Expected<int64_t> IntegerQuery(const ApiRequest& request, const std::string& name, int64_t fallback,
                               int64_t lo, int64_t hi);
// Splits "a=1&b=x%20y" into decoded pairs (later duplicates win).
Expected<std::map<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace viscera
