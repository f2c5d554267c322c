// The only file that includes Boost.Beast. Each call owns a private io_context and drives
// asynchronous Beast operations on the calling thread until they complete, so that every step can
// carry a deadline (Beast's synchronous calls cannot). Nothing throws out of here: error codes
// become Errors, and a stray exception (allocation) is caught at each public entry point.
#include "client/http_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>

#include "io/atomic_file.h"

namespace viscera {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;
namespace fs = std::filesystem;

constexpr size_t kChunkBytes = size_t{1} << 20;  // file I/O granularity of uploads and downloads
constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr size_t kSnippetBytes = 512;
constexpr size_t kMaxWebSocketMessage = size_t{256} << 20;

std::string HostPort(const HttpEndpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

// Words for an error code, lower case, the common ones spelled plainly.
std::string Describe(const beast::error_code& ec, int timeout_ms) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return "timed out after " + std::to_string(timeout_ms) + " ms";
  }
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::connection_reset) return "connection reset by peer";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
    return "host not found";
  }
  if (ec == asio::error::eof || ec == http::error::end_of_stream) {
    return "connection closed by the server";
  }
  if (ec == http::error::partial_message) {
    return "connection closed by the server before the message was complete";
  }
  std::string text = ec.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

Error NetError(const std::string& what, const beast::error_code& ec, int timeout_ms) {
  return MakeError(ErrorCode::kIoError, what + ": " + Describe(ec, timeout_ms));
}

Error Invalid(const std::string& what, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, what + ": " + why);
}

bool HasLineBreak(const std::string& text) {
  return text.find_first_of("\r\n") != std::string::npos || text.find('\0') != std::string::npos;
}

// A request target must be origin-form and must not smuggle another line into the request.
Status CheckTarget(const std::string& what, const std::string& target) {
  if (target.empty() || target[0] != '/') return Invalid(what, "target must start with '/'");
  if (HasLineBreak(target) || target.find(' ') != std::string::npos) {
    return Invalid(what, "target contains a space or line break");
  }
  return Ok{};
}

Expected<http::verb> ParseVerb(const std::string& what, const std::string& method) {
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) return Invalid(what, "unknown HTTP method \"" + method + "\"");
  return verb;
}

size_t BytesOf() {
  return 0;
}
size_t BytesOf(size_t bytes) {
  return bytes;
}
template <typename T>
size_t BytesOf(const T&) {
  return 0;
}

struct OpResult {
  beast::error_code ec;
  size_t bytes = 0;
};

// Starts one asynchronous operation (start(handler)) and runs the io_context until its handler
// ran. Deadlines come from the stream (tcp_stream::expires_*), which aborts the operation.
template <typename Start>
OpResult Await(asio::io_context& ioc, Start&& start) {
  OpResult result;
  bool done = false;
  start([&result, &done](beast::error_code ec, auto&&... rest) {
    result.ec = ec;
    result.bytes = BytesOf(rest...);
    done = true;
  });
  if (ioc.stopped()) ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
  VISCERA_CHECK(done, "io_context ran out of work before the operation completed");
  return result;
}

// Resolves (IP literals directly) and connects `stream`, all before `deadline`.
Status ConnectStream(asio::io_context& ioc, beast::tcp_stream& stream, const HttpEndpoint& endpoint,
                     Clock::time_point deadline, int timeout_ms, const std::string& what) {
  if (endpoint.port <= 0 || endpoint.port > 65535) {
    return Invalid(what, "port " + std::to_string(endpoint.port) + " is outside 1..65535");
  }
  if (endpoint.host.empty()) return Invalid(what, "empty host");
  const auto port = static_cast<uint16_t>(endpoint.port);
  std::vector<tcp::endpoint> endpoints;
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(endpoint.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, port);
  } else {
    tcp::resolver resolver(ioc);
    bool done = false;
    beast::error_code resolve_ec;
    resolver.async_resolve(endpoint.host, std::to_string(port),
                           [&](beast::error_code e, const tcp::resolver::results_type& results) {
                             resolve_ec = e;
                             for (const auto& entry : results)
                               endpoints.push_back(entry.endpoint());
                             done = true;
                           });
    if (ioc.stopped()) ioc.restart();
    while (!done && ioc.run_one_until(deadline) > 0) {
    }
    if (!done) {
      resolver.cancel();
      if (ioc.stopped()) ioc.restart();
      while (!done && ioc.run_one() > 0) {
      }
      return NetError(what, beast::error::timeout, timeout_ms);
    }
    if (resolve_ec) return NetError(what, resolve_ec, timeout_ms);
    if (endpoints.empty()) return NetError(what, asio::error::host_not_found, timeout_ms);
  }
  stream.expires_at(deadline);
  const OpResult connected =
      Await(ioc, [&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
  if (connected.ec) return NetError(what, connected.ec, timeout_ms);
  // Small messages (inputs) must leave at once, not wait for the ACK of the previous one.
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  return Ok{};
}

template <typename Body>
Status SetCommonFields(http::request<Body>& request, const HttpEndpoint& endpoint,
                       const std::vector<std::pair<std::string, std::string>>& extra_headers,
                       const std::string& what) {
  request.set(http::field::host, HostPort(endpoint));
  request.set(http::field::user_agent, "viscera-client");
  request.keep_alive(false);
  if (!endpoint.token.empty()) {
    if (HasLineBreak(endpoint.token)) return Invalid(what, "token contains a line break");
    request.set(http::field::authorization, "Bearer " + endpoint.token);
  }
  for (const auto& [name, value] : extra_headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find_first_of(" :") != std::string::npos) {
      return Invalid(what, "malformed header \"" + name + "\"");
    }
    request.set(name, value);
  }
  return Ok{};
}

HttpResponse ToResponse(http::response<http::string_body>&& message) {
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.content_type = std::string(message[http::field::content_type]);
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

// Reads a whole response (body bounded by kMaxHttpResponseBytes) before the stream's deadline.
Expected<HttpResponse> ReadResponse(asio::io_context& ioc, beast::tcp_stream& stream,
                                    beast::flat_buffer& buffer, bool head, int timeout_ms,
                                    const std::string& what) {
  http::response_parser<http::string_body> parser;
  parser.skip(head);  // a response to HEAD announces a body it does not send
  parser.header_limit(kHeaderLimit);
  parser.body_limit(static_cast<uint64_t>(kMaxHttpResponseBytes));
  const OpResult read = Await(
      ioc, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  if (read.ec == http::error::body_limit) {
    return MakeError(ErrorCode::kTooLarge, what + ": response body exceeds " +
                                               std::to_string(kMaxHttpResponseBytes) +
                                               " bytes (use HttpDownload)");
  }
  if (read.ec) return NetError(what, read.ec, timeout_ms);
  return ToResponse(parser.release());
}

void Shutdown(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

std::string Snippet(std::string text) {
  if (text.size() > kSnippetBytes) text = text.substr(0, kSnippetBytes) + "...";
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

// Wraps a body of work so that no exception leaves the public functions.
template <typename Result, typename Work>
Result Guarded(const std::string& what, Work&& work) {
  try {
    return work();
  } catch (const boost::system::system_error& e) {
    return MakeError(ErrorCode::kIoError, what + ": " + e.what());
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kIoError, what + ": " + e.what());
  }
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Close() {
    int rc = 0;
    if (fd_ >= 0) rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Error FileError(const fs::path& path, const std::string& action) {
  return MakeError(ErrorCode::kIoError,
                   path.string() + ": cannot " + action + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const char* data, size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FileError(path, "write");
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Ok{};
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return "";
}

std::string EndpointUrl(const HttpEndpoint& endpoint) {
  return "http://" + HostPort(endpoint);
}

Expected<HttpEndpoint> ParseHttpUrl(const std::string& url) {
  const std::string what = "URL \"" + url + "\"";
  const std::string kScheme = "http://";
  if (url.size() < kScheme.size() || !beast::iequals(url.substr(0, kScheme.size()), kScheme)) {
    return Invalid(what, "expected http://host[:port]");
  }
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@ \t\r\n") != std::string::npos) {
    return Invalid(what, "expected http://host[:port] without path, query or user");
  }
  HttpEndpoint endpoint;
  endpoint.port = 80;
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string::npos) return Invalid(what, "unterminated '['");
    endpoint.host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid(what, "expected ':' after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return Invalid(what, "empty port");
    }
  } else {
    const size_t colon = rest.find(':');
    endpoint.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return Invalid(what, "empty port");
    }
  }
  if (endpoint.host.empty()) return Invalid(what, "empty host");
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return Invalid(what, "port \"" + port_text + "\" is not a number");
    }
    endpoint.port = std::stoi(port_text);
    if (endpoint.port < 1 || endpoint.port > 65535) {
      return Invalid(what, "port " + port_text + " is outside 1..65535");
    }
  }
  return endpoint;
}

Expected<HttpResponse> HttpRequest(
    const HttpEndpoint& endpoint, const std::string& method, const std::string& target,
    const std::string& body, const std::string& content_type, int timeout_ms,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  const std::string what = method + " " + EndpointUrl(endpoint) + target;
  return Guarded<Expected<HttpResponse>>(what, [&]() -> Expected<HttpResponse> {
    VISCERA_RETURN_IF_ERROR(CheckTarget(what, target));
    VISCERA_ASSIGN_OR_RETURN(const http::verb verb, ParseVerb(what, method));
    if (timeout_ms <= 0) return Invalid(what, "timeout must be positive");
    http::request<http::string_body> request{verb, target, 11};
    VISCERA_RETURN_IF_ERROR(SetCommonFields(request, endpoint, extra_headers, what));
    if (!body.empty()) {
      if (HasLineBreak(content_type)) return Invalid(what, "content type contains a line break");
      request.set(http::field::content_type, content_type);
    }
    request.body() = body;
    request.prepare_payload();

    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    const Clock::time_point deadline = Clock::now() + Millis(timeout_ms);
    VISCERA_RETURN_IF_ERROR(ConnectStream(ioc, stream, endpoint, deadline, timeout_ms, what));
    const OpResult written =
        Await(ioc, [&](auto handler) { http::async_write(stream, request, std::move(handler)); });
    beast::flat_buffer buffer;
    if (written.ec) {
      // The server may have answered early (413, 401) and closed; prefer its answer.
      Expected<HttpResponse> early =
          ReadResponse(ioc, stream, buffer, verb == http::verb::head, timeout_ms, what);
      if (early.ok()) return early;
      return NetError(what, written.ec, timeout_ms);
    }
    Expected<HttpResponse> response =
        ReadResponse(ioc, stream, buffer, verb == http::verb::head, timeout_ms, what);
    Shutdown(stream);
    return response;
  });
}

Status HttpDownload(const HttpEndpoint& endpoint, const std::string& target, const fs::path& file,
                    int timeout_ms) {
  const std::string what = "GET " + EndpointUrl(endpoint) + target;
  return Guarded<Status>(what, [&]() -> Status {
    VISCERA_RETURN_IF_ERROR(CheckTarget(what, target));
    if (timeout_ms <= 0) return Invalid(what, "timeout must be positive");
    if (file.filename().empty()) return Invalid(what, "no file name in " + file.string());
    http::request<http::empty_body> request{http::verb::get, target, 11};
    VISCERA_RETURN_IF_ERROR(SetCommonFields(request, endpoint, {}, what));

    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    auto step = [&] { stream.expires_after(Millis(timeout_ms)); };
    VISCERA_RETURN_IF_ERROR(
        ConnectStream(ioc, stream, endpoint, Clock::now() + Millis(timeout_ms), timeout_ms, what));
    step();
    const OpResult written =
        Await(ioc, [&](auto handler) { http::async_write(stream, request, std::move(handler)); });
    if (written.ec) return NetError(what, written.ec, timeout_ms);

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(kHeaderLimit);
    // Not boost::none: Beast 1.74 compares a Content-Length against an empty optional as "over".
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    step();
    const OpResult header = Await(ioc, [&](auto handler) {
      http::async_read_header(stream, buffer, parser, std::move(handler));
    });
    if (header.ec) return NetError(what, header.ec, timeout_ms);

    std::vector<char> chunk(kChunkBytes);
    // Reads the next piece of the body into `chunk`; returns the bytes read.
    auto read_some = [&](size_t capacity) -> Expected<size_t> {
      parser.get().body().data = chunk.data();
      parser.get().body().size = capacity;
      step();
      OpResult read = Await(
          ioc, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
      if (read.ec == http::error::need_buffer) read.ec = {};
      if (read.ec) return NetError(what, read.ec, timeout_ms);
      return capacity - parser.get().body().size;
    };

    const int status = static_cast<int>(parser.get().result_int());
    if (status < 200 || status >= 300) {
      std::string snippet;
      if (!parser.is_done()) {
        Expected<size_t> got = read_some(kSnippetBytes);
        if (got.ok()) snippet.assign(chunk.data(), *got);
      }
      const ErrorCode code = status == 404 ? ErrorCode::kNotFound : ErrorCode::kIoError;
      return MakeError(code, what + ": HTTP " + std::to_string(status) + " " +
                                 std::string(parser.get().reason()) +
                                 (snippet.empty() ? "" : ": " + Snippet(snippet)));
    }

    // Temporary sibling, fsync, rename: an existing file survives any failure.
    return WriteAtomically(file, [&](const fs::path& temp) -> Status {
      Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
      if (fd.get() < 0) return FileError(temp, "create");
      while (!parser.is_done()) {
        VISCERA_ASSIGN_OR_RETURN(const size_t got, read_some(chunk.size()));
        VISCERA_RETURN_IF_ERROR(WriteAll(fd.get(), chunk.data(), got, temp));
      }
      Shutdown(stream);
      if (fd.Close() != 0) return FileError(temp, "close");
      return Ok{};
    });
  });
}

Expected<HttpResponse> HttpUpload(const HttpEndpoint& endpoint, const std::string& method,
                                  const std::string& target, const fs::path& file,
                                  const std::string& content_type, int timeout_ms) {
  const std::string what = method + " " + EndpointUrl(endpoint) + target;
  return Guarded<Expected<HttpResponse>>(what, [&]() -> Expected<HttpResponse> {
    VISCERA_RETURN_IF_ERROR(CheckTarget(what, target));
    VISCERA_ASSIGN_OR_RETURN(const http::verb verb, ParseVerb(what, method));
    if (timeout_ms <= 0) return Invalid(what, "timeout must be positive");
    if (HasLineBreak(content_type)) return Invalid(what, "content type contains a line break");
    Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      const ErrorCode code = errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError;
      return MakeError(code, file.string() + ": cannot open for upload: " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) return FileError(file, "stat");
    if (!S_ISREG(info.st_mode)) {
      return MakeError(ErrorCode::kInvalidArgument, file.string() + ": not a regular file");
    }
    const auto size = static_cast<uint64_t>(info.st_size);

    http::request<http::empty_body> request{verb, target, 11};
    VISCERA_RETURN_IF_ERROR(SetCommonFields(request, endpoint, {}, what));
    request.set(http::field::content_type, content_type);
    request.content_length(size);

    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    auto step = [&] { stream.expires_after(Millis(timeout_ms)); };
    VISCERA_RETURN_IF_ERROR(
        ConnectStream(ioc, stream, endpoint, Clock::now() + Millis(timeout_ms), timeout_ms, what));
    http::request_serializer<http::empty_body> serializer{request};
    step();
    OpResult written = Await(ioc, [&](auto handler) {
      http::async_write_header(stream, serializer, std::move(handler));
    });
    std::vector<char> chunk(kChunkBytes);
    uint64_t sent = 0;
    while (!written.ec && sent < size) {
      const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FileError(file, "read");
      if (n == 0) {
        return MakeError(ErrorCode::kIoError, what + ": " + file.string() + " shrank to " +
                                                  std::to_string(sent) + " of " +
                                                  std::to_string(size) + " bytes while uploading");
      }
      const size_t count = std::min<uint64_t>(static_cast<uint64_t>(n), size - sent);
      step();
      written = Await(ioc, [&](auto handler) {
        asio::async_write(stream, asio::buffer(chunk.data(), count), std::move(handler));
      });
      sent += count;
    }
    beast::flat_buffer buffer;
    step();
    Expected<HttpResponse> response =
        ReadResponse(ioc, stream, buffer, verb == http::verb::head, timeout_ms, what);
    if (written.ec && !response.ok()) return NetError(what, written.ec, timeout_ms);
    Shutdown(stream);
    return response;
  });
}

// ---- WebSocket ------------------------------------------------------------------------------

struct WebSocketClient::Impl {
  asio::io_context ioc;  // declared first: destroyed after the stream
  websocket::stream<beast::tcp_stream> ws{ioc};
  std::string url;  // ws://host:port/target, for messages
  int timeout_ms = 10000;

  // One read stays outstanding across Receive() calls that time out.
  beast::flat_buffer read_buffer;
  bool read_pending = false;
  bool read_done = false;
  beast::error_code read_ec;

  bool broken = false;  // a read or write failed: no more I/O
  std::atomic<bool> close_requested{false};
  bool close_started = false;

  // Runs handlers until `done` or the deadline; returns done.
  bool RunUntil(const bool& done, Clock::time_point deadline) {
    if (ioc.stopped()) ioc.restart();
    while (!done && ioc.poll_one() > 0) {  // what is ready already, even past the deadline
    }
    while (!done && ioc.run_one_until(deadline) > 0) {
    }
    return done;
  }

  void CloseSocket() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // Runs on the io_context (posted by Close()).
  void StartClose() {
    if (close_started) return;
    close_started = true;
    if (broken || !ws.is_open()) {
      CloseSocket();
      return;
    }
    ws.async_close(websocket::close_code::normal, [this](beast::error_code) { CloseSocket(); });
  }

  Error ClosedError() const { return MakeError(ErrorCode::kIoError, url + ": connection closed"); }
};

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketClient::~WebSocketClient() {
  if (!impl_) return;
  try {
    Close();
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::seconds(1));  // the close handshake, usually ~1 round trip
    impl_->CloseSocket();
    impl_->ioc.restart();
    impl_->ioc.poll();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor has no one to tell
  }
}

Expected<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(const HttpEndpoint& endpoint,
                                                                    const std::string& target,
                                                                    int timeout_ms) {
  const std::string url = "ws://" + HostPort(endpoint) + target;
  using Result = Expected<std::unique_ptr<WebSocketClient>>;
  return Guarded<Result>(url, [&]() -> Result {
    VISCERA_RETURN_IF_ERROR(CheckTarget(url, target));
    if (timeout_ms <= 0) return Invalid(url, "timeout must be positive");
    if (HasLineBreak(endpoint.token)) return Invalid(url, "token contains a line break");
    auto impl = std::make_unique<Impl>();
    impl->url = url;
    impl->timeout_ms = timeout_ms;
    auto& stream = beast::get_lowest_layer(impl->ws);
    VISCERA_RETURN_IF_ERROR(ConnectStream(impl->ioc, stream, endpoint,
                                          Clock::now() + Millis(timeout_ms), timeout_ms, url));
    const std::string token = endpoint.token;
    impl->ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      req.set(http::field::user_agent, "viscera-client");
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    }));
    websocket::response_type response;
    const OpResult shaken = Await(impl->ioc, [&](auto handler) {
      impl->ws.async_handshake(response, HostPort(endpoint), target, std::move(handler));
    });
    if (shaken.ec) {
      const int status = static_cast<int>(response.result_int());
      if (shaken.ec == websocket::error::upgrade_declined) {
        const ErrorCode code = status == 404 ? ErrorCode::kNotFound : ErrorCode::kIoError;
        return MakeError(code,
                         url + ": upgrade refused: HTTP " + std::to_string(status) + " " +
                             std::string(response.reason()) +
                             (response.body().empty() ? "" : ": " + Snippet(response.body())));
      }
      return NetError(url, shaken.ec, timeout_ms);
    }
    // From here the WebSocket layer keeps time: Receive() waits by deadline, a close handshake is
    // bounded by handshake_timeout, and an idle connection is fine.
    stream.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = Millis(timeout_ms);
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    impl->ws.set_option(timeouts);
    impl->ws.read_message_max(kMaxWebSocketMessage);
    impl->ws.auto_fragment(false);
    return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
  });
}

Status WebSocketClient::SendText(const std::string& text) {
  return Send(text, false);
}

Status WebSocketClient::SendBinary(const std::string& data) {
  return Send(data, true);
}

Status WebSocketClient::Send(const std::string& data, bool binary) {
  Impl& impl = *impl_;
  return Guarded<Status>(impl.url, [&]() -> Status {
    if (impl.close_requested || impl.broken) return impl.ClosedError();
    impl.ws.binary(binary);
    bool done = false;
    beast::error_code ec;
    impl.ws.async_write(asio::buffer(data), [&done, &ec](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!impl.RunUntil(done, Clock::now() + Millis(impl.timeout_ms))) {
      // Stuck (the peer stopped reading): tear down, then wait for the handler, which refers to
      // this frame's locals.
      impl.broken = true;
      impl.CloseSocket();
      impl.RunUntil(done, Clock::now() + std::chrono::seconds(60));
      return NetError(impl.url, beast::error::timeout, impl.timeout_ms);
    }
    if (ec) {
      impl.broken = true;
      if (impl.close_requested) return impl.ClosedError();
      return NetError(impl.url, ec, impl.timeout_ms);
    }
    return Ok{};
  });
}

Expected<WebSocketMessage> WebSocketClient::Receive(int timeout_ms) {
  Impl& impl = *impl_;
  return Guarded<Expected<WebSocketMessage>>(impl.url, [&]() -> Expected<WebSocketMessage> {
    if (impl.close_requested || impl.broken) return impl.ClosedError();
    if (!impl.read_pending) {
      impl.read_pending = true;
      impl.read_done = false;
      impl.ws.async_read(impl.read_buffer, [p = &impl](beast::error_code ec, size_t) {
        p->read_ec = ec;
        p->read_done = true;
      });
    }
    const auto deadline = Clock::now() + Millis(std::max(timeout_ms, 0));
    if (!impl.RunUntil(impl.read_done, deadline)) {
      if (impl.close_requested) return impl.ClosedError();
      return MakeError(ErrorCode::kNotFound, "timeout");
    }
    impl.read_pending = false;
    impl.read_done = false;
    if (impl.read_ec) {
      impl.broken = true;
      if (impl.read_ec == websocket::error::closed) {
        const websocket::close_reason& reason = impl.ws.reason();
        return MakeError(ErrorCode::kIoError,
                         impl.url + ": connection closed (code " + std::to_string(reason.code) +
                             (reason.reason.empty() ? ""
                                                    : ", " + std::string(reason.reason.data(),
                                                                         reason.reason.size())) +
                             ")");
      }
      if (impl.close_requested) return impl.ClosedError();
      return NetError(impl.url, impl.read_ec, impl.timeout_ms);
    }
    WebSocketMessage message;
    message.binary = impl.ws.got_binary();
    message.data = beast::buffers_to_string(impl.read_buffer.data());
    impl.read_buffer.consume(impl.read_buffer.size());
    return message;
  });
}

void WebSocketClient::Close() {
  if (impl_->close_requested.exchange(true)) return;
  asio::post(impl_->ioc, [p = impl_.get()] { p->StartClose(); });
}

}  // namespace viscera
