// The client against a tiny blocking Beast HTTP + WebSocket server that runs inside the test on a
// free loopback port (one thread per connection).
#include "client/http_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "test_data.h"

namespace viscera {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
namespace fs = std::filesystem;

// Deterministic bytes for transfers.
std::string Pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 31 + i / 997) % 251);
  return out;
}

uint64_t Fnv1a(const std::string& data) {
  uint64_t hash = 1469598103934665603ULL;
  for (char c : data) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return hash;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Routes: /hello, /echo, /bytes?n=N, /chunked?n=N, /fail (500), /missing (404), /truncated (cut
// short), /upload (size and hash of the body), and WebSocket echo on /ws and /ws-auth (needs
// "Bearer s3cret"); the text message "bye" makes the server close the socket.
class TestServer {
 public:
  TestServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() {
    stopping_ = true;
    beast::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      for (auto& socket : sockets_) socket->shutdown(tcp::socket::shutdown_both, ec);
      threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }

  HttpEndpoint endpoint(const std::string& token = "") const {
    HttpEndpoint endpoint;
    endpoint.port = port_;
    endpoint.token = token;
    return endpoint;
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      auto socket = std::make_shared<tcp::socket>(ioc_);
      beast::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) break;
      std::lock_guard lock(mutex_);
      sockets_.push_back(socket);
      threads_.emplace_back([socket] { Serve(*socket); });
    }
  }

  static void Serve(tcp::socket& socket) {
    beast::error_code ec;
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket, buffer, parser, ec);
    if (ec) return;
    http::request<http::string_body> request = parser.release();
    const std::string target(request.target());
    if (websocket::is_upgrade(request)) return ServeWebSocket(socket, request, target);

    http::response<http::string_body> response{http::status::ok, request.version()};
    response.keep_alive(false);
    response.set(http::field::content_type, "text/plain");
    response.set("X-Method", std::string(request.method_string()));
    response.set("X-Authorization", std::string(request[http::field::authorization]));
    response.set("X-Trace", std::string(request["X-Trace"]));
    if (target == "/hello") {
      response.body() = "hello";
    } else if (target == "/echo") {
      response.set(http::field::content_type, std::string(request[http::field::content_type]));
      response.body() = request.body();
    } else if (target.rfind("/bytes?n=", 0) == 0 || target.rfind("/chunked?n=", 0) == 0) {
      response.set(http::field::content_type, "application/zip");
      response.body() = Pattern(std::stoul(target.substr(target.find('=') + 1)));
      response.chunked(target[1] == 'c');
    } else if (target == "/upload") {
      const nlohmann::json summary = {{"size", request.body().size()},
                                      {"fnv", Fnv1a(request.body())},
                                      {"type", std::string(request[http::field::content_type])}};
      response.set(http::field::content_type, "application/json");
      response.body() = summary.dump();
    } else if (target == "/fail") {
      response.result(http::status::internal_server_error);
      response.body() = "disk exploded\n" + std::string(5000, 'x');
    } else if (target == "/truncated") {
      const std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nshort";
      asio::write(socket, asio::buffer(raw), ec);
      socket.shutdown(tcp::socket::shutdown_send, ec);
      return;
    } else {
      response.result(http::status::not_found);
      response.body() = "no route " + target;
    }
    if (!response.chunked()) response.prepare_payload();
    if (request.method() == http::verb::head) {  // the header alone, announcing the body
      http::response_serializer<http::string_body> serializer{response};
      http::write_header(socket, serializer, ec);
    } else {
      http::write(socket, response, ec);
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  static void ServeWebSocket(tcp::socket& socket, const http::request<http::string_body>& request,
                             const std::string& target) {
    beast::error_code ec;
    auto refuse = [&](http::status status, const std::string& body) {
      http::response<http::string_body> response{status, request.version()};
      response.keep_alive(false);
      response.body() = body;
      response.prepare_payload();
      http::write(socket, response, ec);
    };
    if (target != "/ws" && target != "/ws-auth")
      return refuse(http::status::not_found, "no socket");
    if (target == "/ws-auth" && request[http::field::authorization] != "Bearer s3cret") {
      return refuse(http::status::unauthorized, "bad token");
    }
    websocket::stream<tcp::socket&> ws(socket);
    ws.accept(request, ec);
    beast::flat_buffer buffer;
    while (!ec) {
      ws.read(buffer, ec);
      if (ec) break;
      if (ws.got_text() && beast::buffers_to_string(buffer.data()) == "bye") {
        ws.close(websocket::close_code::going_away, ec);
        break;
      }
      ws.binary(ws.got_binary());
      ws.write(buffer.data(), ec);
      buffer.consume(buffer.size());
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- URLs ----

TEST(ParseHttpUrlTest, Accepts) {
  Expected<HttpEndpoint> endpoint = ParseHttpUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().ToString();
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 8080);
  EXPECT_TRUE(endpoint->token.empty());

  endpoint = ParseHttpUrl("http://datasets.local");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->host, "datasets.local");
  EXPECT_EQ(endpoint->port, 80);

  endpoint = ParseHttpUrl("HTTP://localhost:65535/");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->host, "localhost");
  EXPECT_EQ(endpoint->port, 65535);

  endpoint = ParseHttpUrl("http://[::1]:9000");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, 9000);
  EXPECT_EQ(EndpointUrl(*endpoint), "http://[::1]:9000");
}

TEST(ParseHttpUrlTest, Rejects) {
  for (const std::string url :
       {"", "127.0.0.1:8080", "https://x:1", "ftp://x", "http://", "http://:80",
        "http://x:", "http://x:0", "http://x:65536", "http://x:12ab", "http://x:-1", "http://x/api",
        "http://u@x:1", "http://x:1?q", "http://[::1", "http://[::1]x", "http://x y"}) {
    Expected<HttpEndpoint> endpoint = ParseHttpUrl(url);
    ASSERT_FALSE(endpoint.ok()) << url;
    EXPECT_EQ(endpoint.error().code, ErrorCode::kInvalidArgument) << url;
  }
}

// ---- HTTP ----

TEST(HttpClientTest, Get) {
  TestServer server;
  Expected<HttpResponse> response = HttpRequest(server.endpoint(), "GET", "/hello");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->content_type, "text/plain");
  EXPECT_EQ(response->Header("x-method"), "GET");
  EXPECT_EQ(response->Header("X-Authorization"), "");
  EXPECT_EQ(response->Header("no-such-header"), "");
  EXPECT_FALSE(response->headers.empty());
}

TEST(HttpClientTest, TokenAndExtraHeadersAreSent) {
  TestServer server;
  Expected<HttpResponse> response = HttpRequest(server.endpoint("abc"), "GET", "/hello", "",
                                                "application/json", 5000, {{"X-Trace", "t-1"}});
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->Header("X-Authorization"), "Bearer abc");
  EXPECT_EQ(response->Header("X-Trace"), "t-1");
}

TEST(HttpClientTest, PostBody) {
  TestServer server;
  const std::string body = R"({"name":"abdomen","tags":["ct"]})";
  Expected<HttpResponse> response = HttpRequest(server.endpoint(), "POST", "/echo", body);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, body);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->Header("X-Method"), "POST");

  const std::string big = Pattern(3 << 20);
  response = HttpRequest(server.endpoint(), "PUT", "/echo", big, "application/octet-stream");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, big);
  EXPECT_EQ(response->content_type, "application/octet-stream");
}

TEST(HttpClientTest, Head) {
  TestServer server;
  Expected<HttpResponse> response =
      HttpRequest(server.endpoint(), "HEAD", "/bytes?n=1000", "", "", 2000);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Content-Length"), "1000");
  EXPECT_TRUE(response->body.empty());
}

TEST(HttpClientTest, ErrorStatusesAreValues) {
  TestServer server;
  Expected<HttpResponse> response = HttpRequest(server.endpoint(), "DELETE", "/nowhere");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "no route /nowhere");
}

TEST(HttpClientTest, RejectsBadArguments) {
  TestServer server;
  Expected<HttpResponse> response = HttpRequest(server.endpoint(), "FETCH", "/hello");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
  for (const std::string target : {"hello", "", "/a b", "/a\r\nX-Evil: 1"}) {
    response = HttpRequest(server.endpoint(), "GET", target);
    ASSERT_FALSE(response.ok()) << target;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
  }
  response =
      HttpRequest(server.endpoint(), "GET", "/hello", "", "", 1000, {{"X-A", "1\r\nX-B: 2"}});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
}

TEST(HttpClientTest, ConnectionRefusedNamesTheRequest) {
  int port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  HttpEndpoint endpoint;
  endpoint.port = port;
  Expected<HttpResponse> response = HttpRequest(endpoint, "GET", "/api/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kIoError);
  EXPECT_EQ(response.error().message,
            "GET http://127.0.0.1:" + std::to_string(port) + "/api/x: connection refused");
}

TEST(HttpClientTest, TimesOutAgainstASilentServer) {
  asio::io_context ioc;
  tcp::acceptor silent(ioc,
                       tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));  // never accepts
  HttpEndpoint endpoint;
  endpoint.port = silent.local_endpoint().port();
  const auto start = std::chrono::steady_clock::now();
  Expected<HttpResponse> response = HttpRequest(endpoint, "GET", "/hello", "", "", 300);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kIoError);
  EXPECT_TRUE(Contains(response.error().message, "timed out after 300 ms"))
      << response.error().message;
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));

  testing::ScratchDir scratch;
  Status downloaded = HttpDownload(endpoint, "/bytes?n=10", scratch / "x.zip", 300);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_TRUE(Contains(downloaded.error().message, "timed out")) << downloaded.error().message;
  EXPECT_FALSE(fs::exists(scratch / "x.zip"));
}

// ---- downloads and uploads ----

// The folder holds exactly `names` (no temporary files left behind).
void ExpectOnlyFiles(const fs::path& folder, std::vector<std::string> names) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(folder)) {
    found.push_back(entry.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(found, names);
}

TEST(HttpClientTest, DownloadStreamsToFile) {
  TestServer server;
  testing::ScratchDir scratch;
  const size_t size = (5 << 20) + 123;
  Status downloaded =
      HttpDownload(server.endpoint(), "/bytes?n=" + std::to_string(size), scratch / "export.zip");
  ASSERT_TRUE(downloaded.ok()) << downloaded.error().ToString();
  EXPECT_EQ(ReadFile(scratch / "export.zip"), Pattern(size));

  // Chunked transfer encoding, overwriting the earlier file.
  downloaded = HttpDownload(server.endpoint(), "/chunked?n=300000", scratch / "export.zip");
  ASSERT_TRUE(downloaded.ok()) << downloaded.error().ToString();
  EXPECT_EQ(ReadFile(scratch / "export.zip"), Pattern(300000));

  downloaded = HttpDownload(server.endpoint(), "/bytes?n=0", scratch / "empty.zip");
  ASSERT_TRUE(downloaded.ok()) << downloaded.error().ToString();
  EXPECT_EQ(fs::file_size(scratch / "empty.zip"), 0u);
  ExpectOnlyFiles(scratch.path(), {"export.zip", "empty.zip"});
}

TEST(HttpClientTest, FailedDownloadLeavesTheFileUntouched) {
  TestServer server;
  testing::ScratchDir scratch;
  const fs::path file = scratch / "export.zip";
  std::ofstream(file) << "old contents";

  Status downloaded = HttpDownload(server.endpoint(), "/fail", file);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().code, ErrorCode::kIoError);
  EXPECT_TRUE(Contains(downloaded.error().message, "HTTP 500")) << downloaded.error().message;
  EXPECT_TRUE(Contains(downloaded.error().message, "disk exploded")) << downloaded.error().message;
  EXPECT_LT(downloaded.error().message.size(), 1000u);  // a snippet, not the whole body

  downloaded = HttpDownload(server.endpoint(), "/missing", file);
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(downloaded.error().message, "HTTP 404")) << downloaded.error().message;

  downloaded = HttpDownload(server.endpoint(), "/truncated", file);  // dies mid-body
  ASSERT_FALSE(downloaded.ok());
  EXPECT_EQ(downloaded.error().code, ErrorCode::kIoError);
  EXPECT_TRUE(Contains(downloaded.error().message, "GET http://127.0.0.1:"));

  downloaded = HttpDownload(server.endpoint(), "/bytes?n=10", scratch / "no-such-dir" / "x.zip");
  ASSERT_FALSE(downloaded.ok());
  EXPECT_TRUE(Contains(downloaded.error().message, "no-such-dir")) << downloaded.error().message;

  EXPECT_EQ(ReadFile(file), "old contents");
  ExpectOnlyFiles(scratch.path(), {"export.zip"});
}

TEST(HttpClientTest, UploadStreamsAFile) {
  TestServer server;
  testing::ScratchDir scratch;
  const std::string data = Pattern(20 << 20);
  std::ofstream(scratch / "upload.zip", std::ios::binary) << data;

  Expected<HttpResponse> response = HttpUpload(server.endpoint("tok"), "POST", "/upload",
                                               scratch / "upload.zip", "application/zip");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  const nlohmann::json summary = nlohmann::json::parse(response->body);
  EXPECT_EQ(summary["size"], data.size());
  EXPECT_EQ(summary["fnv"], Fnv1a(data));
  EXPECT_EQ(summary["type"], "application/zip");
  EXPECT_EQ(response->Header("X-Authorization"), "Bearer tok");

  response =
      HttpUpload(server.endpoint(), "POST", "/upload", scratch / "absent.zip", "application/zip");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(response.error().message, "absent.zip"));
}

// ---- WebSocket ----

TEST(WebSocketClientTest, EchoesTextAndBinary) {
  TestServer server;
  auto client = WebSocketClient::Connect(server.endpoint(), "/ws");
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  WebSocketClient& ws = **client;

  ASSERT_TRUE(ws.SendText(R"({"type":"orbit","id":1})").ok());
  Expected<WebSocketMessage> message = ws.Receive(5000);
  ASSERT_TRUE(message.ok()) << message.error().ToString();
  EXPECT_FALSE(message->binary);
  EXPECT_EQ(message->data, R"({"type":"orbit","id":1})");

  const std::string binary = std::string("\0\1\2\xFF", 4) + Pattern(2 << 20);
  ASSERT_TRUE(ws.SendBinary(binary).ok());
  message = ws.Receive(5000);
  ASSERT_TRUE(message.ok()) << message.error().ToString();
  EXPECT_TRUE(message->binary);
  EXPECT_EQ(message->data, binary);

  for (int i = 0; i < 50; ++i) ASSERT_TRUE(ws.SendText(std::to_string(i)).ok());
  for (int i = 0; i < 50; ++i) {
    message = ws.Receive(5000);
    ASSERT_TRUE(message.ok()) << message.error().ToString();
    EXPECT_EQ(message->data, std::to_string(i));
  }
}

TEST(WebSocketClientTest, ReceiveTimesOutAndStaysUsable) {
  TestServer server;
  auto client = WebSocketClient::Connect(server.endpoint(), "/ws");
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  WebSocketClient& ws = **client;
  const auto start = std::chrono::steady_clock::now();
  Expected<WebSocketMessage> message = ws.Receive(150);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(message.error().message, "timeout");
  EXPECT_GE(elapsed, std::chrono::milliseconds(140));
  EXPECT_LT(elapsed, std::chrono::seconds(2));

  ASSERT_TRUE(ws.SendText("after timeout").ok());
  message = ws.Receive(5000);
  ASSERT_TRUE(message.ok()) << message.error().ToString();
  EXPECT_EQ(message->data, "after timeout");
  EXPECT_FALSE(ws.Receive(0).ok());  // zero waits for nothing new

  ASSERT_TRUE(ws.SendText("queued").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  message = ws.Receive(0);  // zero still takes what has arrived
  ASSERT_TRUE(message.ok()) << message.error().ToString();
  EXPECT_EQ(message->data, "queued");
}

TEST(WebSocketClientTest, ServerCloseAndClientClose) {
  TestServer server;
  auto client = WebSocketClient::Connect(server.endpoint(), "/ws");
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  ASSERT_TRUE((*client)->SendText("bye").ok());
  Expected<WebSocketMessage> message = (*client)->Receive(5000);
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code, ErrorCode::kIoError);
  EXPECT_TRUE(Contains(message.error().message, "closed")) << message.error().message;
  EXPECT_FALSE((*client)->SendText("more").ok());

  // Close() from another thread wakes a blocked Receive().
  client = WebSocketClient::Connect(server.endpoint(), "/ws");
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  WebSocketClient* ws = client->get();
  std::thread closer([ws] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ws->Close();
  });
  const auto start = std::chrono::steady_clock::now();
  message = ws->Receive(10000);
  closer.join();
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code, ErrorCode::kIoError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ws->Close();  // idempotent
  EXPECT_FALSE(ws->SendText("x").ok());
}

TEST(WebSocketClientTest, RefusedUpgradesNameTheStatus) {
  TestServer server;
  auto client = WebSocketClient::Connect(server.endpoint(), "/ws-auth");
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(Contains(client.error().message, "ws://127.0.0.1:")) << client.error().message;
  EXPECT_TRUE(Contains(client.error().message, "/ws-auth")) << client.error().message;
  EXPECT_TRUE(Contains(client.error().message, "401")) << client.error().message;

  client = WebSocketClient::Connect(server.endpoint("s3cret"), "/ws-auth");
  ASSERT_TRUE(client.ok()) << client.error().ToString();

  client = WebSocketClient::Connect(server.endpoint(), "/nope");
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(client.error().message, "404")) << client.error().message;
}

TEST(WebSocketClientTest, ConnectFailures) {
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  HttpEndpoint endpoint;
  endpoint.port = silent.local_endpoint().port();
  auto client = WebSocketClient::Connect(endpoint, "/ws", 200);
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(Contains(client.error().message, "timed out")) << client.error().message;
  silent.close();
  client = WebSocketClient::Connect(endpoint, "/ws", 2000);
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(Contains(client.error().message, "connection refused")) << client.error().message;
}

}  // namespace
}  // namespace viscera
