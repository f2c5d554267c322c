// A small synchronous HTTP/1.1 + WebSocket client of the service API. The render role uses it to
// reach a separate dataset service; tests and benchmarks drive the real server with it.
//
// Every call opens its own connection, runs to completion (or to its timeout) on the calling
// thread and reports failures as values: nothing throws. Errors name the method, the URL and the
// cause, e.g. "io-error: GET http://127.0.0.1:8080/api/x: connection refused". Boost.Beast stays
// inside http_client.cpp; this header is dependency-free.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order

  // The first header of that name (case-insensitive), or "" when absent.
  std::string Header(const std::string& name) const;
};

struct HttpEndpoint {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;  // sent as "Authorization: Bearer <token>" when non-empty
};

// Parses "http://host:port" (port 80 when absent; a trailing "/" is allowed) into an endpoint;
// kInvalidArgument for anything else (other schemes, a path, a bad port).
Expected<HttpEndpoint> ParseHttpUrl(const std::string& url);

// "http://host:port" for messages.
std::string EndpointUrl(const HttpEndpoint& endpoint);

// Bodies HttpRequest and HttpUpload keep in memory; larger responses fail with kTooLarge (use
// HttpDownload for those).
inline constexpr int64_t kMaxHttpResponseBytes = int64_t{1} << 30;

// One request on a fresh connection (HTTP/1.1, Connection: close). timeout_ms bounds the whole
// exchange: resolve, connect, send, receive. Any HTTP status is a value (check response.status);
// errors are transport failures: kIoError naming the request, kInvalidArgument for an unknown
// method, kTooLarge for a body over kMaxHttpResponseBytes.
Expected<HttpResponse> HttpRequest(
    const HttpEndpoint& endpoint, const std::string& method, const std::string& target,
    const std::string& body = "", const std::string& content_type = "application/json",
    int timeout_ms = 30000,
    const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

// GETs target and streams the body to `file` (never whole in memory), atomically: it lands in a
// hidden sibling that is fsynced and renamed over `file` only when complete, so a failure leaves an
// existing file untouched. A non-2xx status is an error carrying the status and a body snippet.
// timeout_ms bounds each step (connect, the header, every chunk): a stalled transfer fails, a slow
// but moving one does not.
Status HttpDownload(const HttpEndpoint& endpoint, const std::string& target,
                    const std::filesystem::path& file, int timeout_ms = 300000);

// Sends `file` as the request body (Content-Length, streamed in chunks, never whole in memory) and
// returns the response, like HttpRequest. timeout_ms bounds each step as in HttpDownload. When the
// server answers early and drops the connection (413, 401), that answer is returned.
Expected<HttpResponse> HttpUpload(const HttpEndpoint& endpoint, const std::string& method,
                                  const std::string& target, const std::filesystem::path& file,
                                  const std::string& content_type, int timeout_ms = 300000);

struct WebSocketMessage {
  bool binary = false;
  std::string data;
};

// A WebSocket client connection carrying text and binary messages. Not thread-safe, except that
// Close() may be called from any thread (it wakes a blocked Receive()).
class WebSocketClient {
 public:
  // Connects to ws://host:port<target> (the token as an Authorization header). Errors name the URL
  // and, when the upgrade is refused, the HTTP status and body (e.g. 401, 404). timeout_ms bounds
  // the connect + handshake and, later, each SendText/SendBinary.
  static Expected<std::unique_ptr<WebSocketClient>> Connect(const HttpEndpoint& endpoint,
                                                            const std::string& target,
                                                            int timeout_ms = 10000);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  Status SendText(const std::string& text);
  Status SendBinary(const std::string& data);

  // Waits up to timeout_ms for the next message: kNotFound with message "timeout" when none
  // arrives in time (the connection stays usable); kIoError once the connection is closed (by
  // either side, or by Close()).
  Expected<WebSocketMessage> Receive(int timeout_ms);

  // Starts a close handshake (finished, at most ~1 s, by the destructor). Idempotent; afterwards
  // Send/Receive fail with kIoError.
  void Close();

 private:
  struct Impl;  // Beast state, defined in http_client.cpp
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  Status Send(const std::string& data, bool binary);
  std::unique_ptr<Impl> impl_;
};

}  // namespace viscera
