// The transport: an asynchronous HTTP/1.1 + WebSocket server (Boost.Beast on Asio; only
// http_server.cpp includes them). A few I/O threads run every socket; handlers run on a separate
// handler pool so a slow request (an import, a dataset load) never stalls the network, and
// rendering lives elsewhere entirely (render_scheduler.h). Frames sent to a WebSocket replace any
// frame not yet written: a slow client gets the newest frame, never a growing queue.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/expected.h"
#include "service/api_types.h"

namespace viscera {

// The server's side of one WebSocket; thread-safe (calls are posted to the socket's strand).
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  // Queued in order. A client that lets more than kMaxQueuedTexts pile up is disconnected.
  virtual void SendText(std::string text) = 0;
  // Replaces the frame waiting to be written, if any.
  virtual void SendFrame(std::string binary) = 0;
  // Sends a close frame (code 1001 "going away" when `going_away`) and ends the connection.
  virtual void Close(bool going_away) = 0;
  // Bytes written to the socket so far and frames dropped because a newer one replaced them.
  virtual int64_t bytes_sent() const = 0;
  virtual int64_t frames_dropped() const = 0;
  static constexpr size_t kMaxQueuedTexts = 256;
};

// What a WebSocket's messages go to. Calls come from the socket's I/O thread, in order; they must
// return quickly (post real work elsewhere).
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void OnOpen(std::shared_ptr<WebSocketPeer> peer) = 0;
  virtual void OnText(const std::string& text) = 0;
  // A binary message within the size limit; refused unless the handler takes them.
  virtual void OnBinary(const std::string& data) {
    (void)data;
    OnRefused("binary messages are not accepted on this socket");
  }
  // A message over the size limit, or a binary one the handler does not take.
  virtual void OnRefused(const std::string& reason) = 0;
  virtual void OnClose() = 0;
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 8080;  // 0: any free port (see HttpServer::port())
  int io_threads = 1;
  int handler_threads = 4;
  int64_t max_body_bytes = 1 << 20;             // JSON bodies
  int64_t max_upload_bytes = int64_t{8} << 30;  // bodies of upload routes, streamed to disk
  int64_t max_websocket_message_bytes = 64 << 10;
  std::filesystem::path upload_dir;  // where upload bodies are streamed (must exist)
};

struct HttpHandlers {
  // Checked on the I/O thread with the headers only, before any body is read: a reply with a
  // status refuses the request (authentication, CORS, unknown route); status 0 lets it through.
  std::function<ApiReply(const ApiRequest&)> admit;
  // True for requests whose body is streamed to a file in upload_dir (ApiRequest::body_file).
  std::function<bool(const ApiRequest&)> is_upload;
  // Runs on the handler pool.
  std::function<ApiReply(ApiRequest&)> handle;
  // A WebSocket upgrade request (already admitted): a handler for it, or a reply refusing it.
  // Runs on the handler pool (opening a session may load a dataset).
  std::function<Expected<std::shared_ptr<WebSocketHandler>>(const ApiRequest&)> open_websocket;
  // One line per request: method, path, status, latency; for the metrics too.
  std::function<void(const ApiRequest&, int status, double milliseconds, int64_t bytes)> on_done;
};

class HttpServer {
 public:
  // Binds and starts the I/O and handler threads. Errors name the address and port.
  static Expected<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                     HttpHandlers handlers);
  ~HttpServer();  // Stop()s
  int port() const;
  // Stops accepting, closes WebSockets with "going away", lets requests in flight finish (up to
  // `drain_ms`), then joins every thread. Idempotent.
  void Stop(int drain_ms = 5000);

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace viscera
