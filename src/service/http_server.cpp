// Beast/Asio adapter: the only file that includes them on the server side. Each connection lives
// on its own strand; handlers run on the handler pool and post their replies back to the strand.
#include "service/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>

#include "core/log.h"

namespace viscera {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kUploadTimeout = std::chrono::hours(1);
// Beast closes the connection (1009) above this; between the configured limit and this a message
// is refused with an error reply and the client stays connected.
constexpr size_t kHardWebSocketLimit = 4 << 20;

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Fills method, path, query and headers from a parsed header; fails on a malformed target.
template <class Fields>
Status FillRequest(const http::request_header<Fields>& header, ApiRequest& request) {
  request.method = std::string(header.method_string());
  const std::string_view target(header.target().data(), header.target().size());
  const size_t q = target.find('?');
  VISCERA_ASSIGN_OR_RETURN(request.path, PercentDecode(target.substr(0, q), false));
  if (request.path.empty() || request.path[0] != '/') {
    return MakeError(ErrorCode::kInvalidArgument, "request target must start with '/'");
  }
  if (q != std::string_view::npos) {
    VISCERA_ASSIGN_OR_RETURN(request.query, ParseQuery(target.substr(q + 1)));
  }
  for (const auto& field : header) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers[name] = std::string(field.value());
  }
  return Ok{};
}

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandlers handlers;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::optional<asio::thread_pool> handler_pool;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> upload_counter{0};
  std::mutex peers_mutex;
  std::set<std::shared_ptr<WebSocketPeer>> peers;
  bool stopped = false;
  std::mutex stop_mutex;

  void Accept();
};

namespace {

class WebSocketSession : public WebSocketPeer,
                         public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket socket, HttpServer::Impl& server,
                   std::shared_ptr<WebSocketHandler> handler)
      : ws_(std::move(socket)), server_(server), handler_(std::move(handler)) {}

  void Start(http::request<http::empty_body> request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kHardWebSocketLimit);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      {
        std::lock_guard lock(self->server_.peers_mutex);
        self->server_.peers.insert(self);
      }
      self->handler_->OnOpen(self);
      self->Read();
    });
  }

  void SendText(std::string text) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      if (self->closed_) return;
      if (self->texts_.size() >= kMaxQueuedTexts) {
        LogWarning("websocket: client does not read its messages; disconnecting");
        self->Close(false);
        return;
      }
      self->texts_.push_back(std::move(t));
      self->Write();
    });
  }

  void SendFrame(std::string binary) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), f = std::move(binary)]() mutable {
      if (self->closed_) return;
      if (self->frame_) ++self->frames_dropped_;
      self->frame_ = std::move(f);
      self->Write();
    });
  }

  void Close(bool going_away) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), going_away] {
      if (self->closed_ || self->closing_) return;
      self->closing_ = true;
      self->ws_.async_close(
          going_away ? websocket::close_code::going_away : websocket::close_code::normal,
          [self](beast::error_code) { self->Finish(); });
    });
  }

  int64_t bytes_sent() const override { return bytes_sent_.load(); }
  int64_t frames_dropped() const override { return frames_dropped_.load(); }

 private:
  void Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t bytes) {
      if (ec) {
        self->Finish();
        return;
      }
      const bool binary = !self->ws_.got_text();
      std::string data = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      try {
        self->Deliver(binary, bytes, data);
      } catch (const std::exception& e) {
        // A handler bug must not take the network thread down with it.
        LogError("websocket: handler threw: " + std::string(e.what()));
      }
      self->Read();
    });
  }

  void Deliver(bool binary, size_t bytes, const std::string& data) {
    const int64_t limit = server_.options.max_websocket_message_bytes;
    if (static_cast<int64_t>(bytes) > limit) {
      handler_->OnRefused("message of " + std::to_string(bytes) + " bytes refused (limit " +
                          std::to_string(limit) + ")");
    } else if (binary) {
      handler_->OnBinary(data);
    } else {
      handler_->OnText(data);
    }
  }

  void Write() {
    if (writing_ || closed_ || closing_) return;
    if (!texts_.empty()) {
      current_ = std::move(texts_.front());
      texts_.pop_front();
      ws_.text(true);
    } else if (frame_) {
      current_ = std::move(*frame_);
      frame_.reset();
      ws_.binary(true);
    } else {
      return;
    }
    writing_ = true;
    ws_.async_write(asio::buffer(current_),
                    [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                      self->writing_ = false;
                      self->bytes_sent_ += static_cast<int64_t>(bytes);
                      if (ec) {
                        self->Finish();
                        return;
                      }
                      self->Write();
                    });
  }

  // Once per connection, whatever ended it.
  void Finish() {
    if (closed_) return;
    closed_ = true;
    texts_.clear();
    frame_.reset();
    handler_->OnClose();
    std::lock_guard lock(server_.peers_mutex);
    server_.peers.erase(shared_from_this());
  }

  websocket::stream<beast::tcp_stream> ws_;
  HttpServer::Impl& server_;
  std::shared_ptr<WebSocketHandler> handler_;
  beast::flat_buffer buffer_;
  std::deque<std::string> texts_;
  std::optional<std::string> frame_;
  std::string current_;
  bool writing_ = false, closing_ = false, closed_ = false;
  std::atomic<int64_t> bytes_sent_{0}, frames_dropped_{0};
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  void ReadHeader() {
    header_parser_.emplace();
    header_parser_->header_limit(16 << 10);
    // Each body parser sets its own limit (Beast 1.74 treats boost::none as 0 here).
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    request_ = ApiRequest{};
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(
        stream_, buffer_, *header_parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
          ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
        ReplyNow(ErrorReply(400, "bad-request", "malformed HTTP request: " + ec.message()), false);
        return;
      }
      Shutdown();
      return;
    }
    start_ = Clock::now();
    const auto& header = header_parser_->get();
    keep_alive_ = header.keep_alive();
    request_.remote = RemoteAddress();
    if (Status filled = FillRequest(header, request_); !filled.ok()) {
      ReplyNow(ErrorReply(filled.error()), false);
      return;
    }
    if (server_.stopping) {
      ReplyNow(ErrorReply(503, "unavailable", "server is shutting down"), false);
      return;
    }
    if (ApiReply refused = server_.handlers.admit(request_); refused.status != 0) {
      ReplyNow(std::move(refused), false);
      return;
    }
    if (websocket::is_upgrade(header)) {
      OpenWebSocket();
    } else if (server_.handlers.is_upload(request_)) {
      ReadUpload();
    } else {
      ReadSmallBody();
    }
  }

  // Beast checks a Content-Length against the limit only while parsing the header, which ran
  // with no limit: check it here (chunked bodies are checked as they arrive).
  bool ContentLengthOver(int64_t limit) {
    const auto length = header_parser_->content_length();
    if (!length || *length <= static_cast<uint64_t>(limit)) return false;
    ReplyNow(ErrorReply(413, "too-large",
                        "request body of " + std::to_string(*length) +
                            " bytes exceeds the limit of " + std::to_string(limit)),
             false);
    return true;
  }

  void ReadSmallBody() {
    if (ContentLengthOver(server_.options.max_body_bytes)) return;
    string_parser_.emplace(std::move(*header_parser_));
    string_parser_->body_limit(static_cast<uint64_t>(server_.options.max_body_bytes));
    http::async_read(stream_, buffer_, *string_parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnBodyError(ec);
                       self->request_.body = std::move(self->string_parser_->get().body());
                       self->string_parser_.reset();
                       self->Dispatch();
                     });
  }

  void ReadUpload() {
    if (ContentLengthOver(server_.options.max_upload_bytes)) return;
    upload_path_ =
        server_.options.upload_dir / (".upload-" + std::to_string(::getpid()) + "-" +
                                      std::to_string(server_.upload_counter.fetch_add(1)));
    file_parser_.emplace(std::move(*header_parser_));
    file_parser_->body_limit(static_cast<uint64_t>(server_.options.max_upload_bytes));
    beast::error_code ec;
    file_parser_->get().body().open(upload_path_.c_str(), beast::file_mode::write, ec);
    if (ec) {
      ReplyNow(ErrorReply(500, "io-error", "cannot create the upload file: " + ec.message()),
               false);
      return;
    }
    request_.body_file = upload_path_;
    stream_.expires_after(kUploadTimeout);
    auto proceed = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->file_parser_,
                       [self](beast::error_code read_ec, size_t) {
                         self->file_parser_->get().body().close();
                         self->file_parser_.reset();
                         if (read_ec) return self->OnBodyError(read_ec);
                         self->Dispatch();
                       });
    };
    if (beast::iequals(file_parser_->get()[http::field::expect], "100-continue")) {
      // curl waits for this before sending a large body.
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *cont, [cont, proceed](beast::error_code write_ec, size_t) {
        if (!write_ec) proceed();
      });
    } else {
      proceed();
    }
  }

  void OnBodyError(beast::error_code ec) {
    RemoveUpload();
    if (ec == http::error::body_limit) {
      ReplyNow(ErrorReply(413, "too-large", "request body exceeds the limit"), false);
    } else {
      Shutdown();
    }
  }

  // Runs the handler on the pool; the reply comes back to this connection's strand.
  void Dispatch() {
    ++server_.in_flight;
    asio::post(*server_.handler_pool, [self = shared_from_this()] {
      ApiReply reply;
      try {
        reply = self->server_.handlers.handle(self->request_);
      } catch (const std::exception& e) {
        LogError("http: handler for " + self->request_.path + " threw: " + e.what());
        reply = ErrorReply(500, "internal", "internal error");
      }
      asio::post(self->stream_.get_executor(), [self, r = std::move(reply)]() mutable {
        --self->server_.in_flight;
        self->ReplyNow(std::move(r), self->keep_alive_);
      });
    });
  }

  void OpenWebSocket() {
    auto upgrade = std::make_shared<http::request<http::empty_body>>(header_parser_->release());
    ++server_.in_flight;
    asio::post(*server_.handler_pool, [self = shared_from_this(), upgrade] {
      auto handler = self->server_.handlers.open_websocket(self->request_);
      asio::post(self->stream_.get_executor(), [self, upgrade, h = std::move(handler)]() mutable {
        --self->server_.in_flight;
        if (!h.ok()) {
          self->ReplyNow(ErrorReply(h.error()), false);
          return;
        }
        self->Done(101, 0);
        self->stream_.expires_never();
        auto session = std::make_shared<WebSocketSession>(self->stream_.release_socket(),
                                                          self->server_, std::move(h).value());
        session->Start(std::move(*upgrade));
      });
    });
  }

  void ReplyNow(ApiReply reply, bool keep_alive) {
    RemoveUpload();
    const int status = reply.status;
    if (!reply.file.empty()) {
      auto res = std::make_shared<http::response<http::file_body>>();
      beast::error_code ec;
      res->body().open(reply.file.c_str(), beast::file_mode::scan, ec);
      if (ec) {
        ReplyNow(ErrorReply(500, "io-error", "cannot open the reply file"), false);
        return;
      }
      if (reply.delete_file_after) {
        // The open descriptor keeps the data readable; the name goes now.
        std::error_code remove_ec;
        std::filesystem::remove(reply.file, remove_ec);
      }
      Send(std::move(res), reply, keep_alive, status);
    } else {
      auto res = std::make_shared<http::response<http::string_body>>();
      res->body() = std::move(reply.body);
      Send(std::move(res), reply, keep_alive, status);
    }
  }

  template <class Body>
  void Send(std::shared_ptr<http::response<Body>> res, const ApiReply& reply, bool keep_alive,
            int status) {
    res->version(11);
    res->result(static_cast<unsigned>(status));
    res->set(http::field::server, "viscera");
    res->set(http::field::content_type, reply.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : reply.headers) res->set(name, value);
    res->keep_alive(keep_alive && !server_.stopping);
    res->prepare_payload();
    stream_.expires_after(kUploadTimeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, status](beast::error_code ec, size_t bytes) {
                        self->Done(status, static_cast<int64_t>(bytes));
                        if (ec || !res->keep_alive()) return self->Shutdown();
                        self->ReadHeader();
                      });
  }

  void Done(int status, int64_t bytes) {
    if (server_.handlers.on_done && !request_.method.empty()) {
      server_.handlers.on_done(request_, status, MillisecondsSince(start_), bytes);
    }
  }

  void RemoveUpload() {
    if (upload_path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove(upload_path_, ec);  // the handler moved it if it kept it
    upload_path_.clear();
  }

  // Ends our side, then reads and discards what the client still sends (the rest of a refused
  // upload) until it closes: closing with unread data would reset the connection and the client
  // could lose our reply.
  void Shutdown() {
    RemoveUpload();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(10));
    Discard();
  }

  void Discard() {
    if (discarded_ > (int64_t{1} << 30)) return;
    discard_buffer_.resize(64 << 10);
    stream_.async_read_some(asio::buffer(discard_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->discarded_ += static_cast<int64_t>(bytes);
                              if (!ec) self->Discard();
                            });
  }

  std::string RemoteAddress() {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    return ec ? "?" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> string_parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  ApiRequest request_;
  std::filesystem::path upload_path_;
  bool keep_alive_ = true;
  std::vector<char> discard_buffer_;
  int64_t discarded_ = 0;
  Clock::time_point start_ = Clock::now();
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      // Frames are single writes that must leave at once, not wait for an ACK (Nagle).
      beast::error_code option_ec;
      socket.set_option(tcp::no_delay(true), option_ec);
      std::make_shared<HttpSession>(std::move(socket), *this)->Start();
    }
    Accept();
  });
}

Expected<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                        HttpHandlers handlers) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handlers = std::move(handlers);
  const std::string where = options.bind_address + ":" + std::to_string(options.port);
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "bind address '" + options.bind_address + "' is not an IP address");
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return MakeError(ErrorCode::kIoError, "cannot listen on " + where + ": " + ec.message());
  impl->handler_pool.emplace(static_cast<size_t>(std::max(1, options.handler_threads)));
  impl->Accept();
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl->io_threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
}

int HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::Stop(int drain_ms) {
  std::lock_guard stop_lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  std::set<std::shared_ptr<WebSocketPeer>> peers;
  {
    std::lock_guard lock(impl_->peers_mutex);
    peers = impl_->peers;
  }
  for (const auto& peer : peers) peer->Close(true);
  const auto deadline = Clock::now() + std::chrono::milliseconds(drain_ms);
  while (Clock::now() < deadline) {
    bool idle = impl_->in_flight == 0;
    {
      std::lock_guard lock(impl_->peers_mutex);
      idle = idle && impl_->peers.empty();
    }
    if (idle) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->handler_pool->join();
  impl_->ioc.stop();
  for (std::thread& t : impl_->io_threads) t.join();
  impl_->io_threads.clear();
  std::lock_guard lock(impl_->peers_mutex);
  impl_->peers.clear();
}

}  // namespace viscera
