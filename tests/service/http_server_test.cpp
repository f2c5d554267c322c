// The transport in process: a slow WebSocket client gets the newest frame, not a queue; bodies
// over the limit are refused; handlers run off the network threads.
#include "service/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/http_client.h"
#include "test_data.h"

namespace viscera {
namespace {

// Sends 200 numbered 256 KiB frames as fast as it can when told "burst".
class BurstHandler : public WebSocketHandler {
 public:
  void OnOpen(std::shared_ptr<WebSocketPeer> peer) override { peer_ = peer; }
  void OnText(const std::string& text) override {
    if (text != "burst") return;
    for (int i = 0; i < kFrames; ++i) {
      std::string frame(256 << 10, static_cast<char>(i));
      frame.replace(0, 4, std::to_string(1000 + i));
      peer_->SendFrame(std::move(frame));
    }
    peer_->SendText("done");
  }
  void OnRefused(const std::string& reason) override { peer_->SendText("refused: " + reason); }
  void OnClose() override { peer_.reset(); }
  static constexpr int kFrames = 200;
  std::shared_ptr<WebSocketPeer> peer_;
};

// Sends raw bytes on a fresh connection and returns what comes back until the server closes.
std::string RawExchange(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size())) {
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
      reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

struct TestServer {
  explicit TestServer(const std::filesystem::path& upload_dir) {
    HttpServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    options.upload_dir = upload_dir;
    HttpHandlers handlers;
    handlers.admit = [](const ApiRequest&) {
      ApiReply pass;
      pass.status = 0;
      return pass;
    };
    handlers.is_upload = [](const ApiRequest&) { return false; };
    handlers.handle = [this](ApiRequest& request) {
      handler_thread = std::this_thread::get_id();
      return JsonReply(200, "{\"path\": \"" + request.path +
                                "\", \"bytes\": " + std::to_string(request.body.size()) + "}");
    };
    handlers.open_websocket = [](const ApiRequest&) -> Expected<std::shared_ptr<WebSocketHandler>> {
      return std::shared_ptr<WebSocketHandler>(std::make_shared<BurstHandler>());
    };
    auto started = HttpServer::Start(options, std::move(handlers));
    EXPECT_TRUE(started.ok()) << started.error().ToString();
    server = std::move(*started);
    endpoint.port = server->port();
  }
  std::unique_ptr<HttpServer> server;
  HttpEndpoint endpoint;
  std::atomic<std::thread::id> handler_thread;
};

TEST(HttpServerTest, SlowWebSocketClientGetsTheNewestFrameNotAQueue) {
  testing::ScratchDir scratch;
  TestServer test(scratch.path());
  auto ws = WebSocketClient::Connect(test.endpoint, "/ws");
  ASSERT_TRUE(ws.ok()) << ws.error().ToString();
  ASSERT_TRUE((*ws)->SendText("burst").ok());
  // Do not read for a while: the server must not queue 50 MB for us.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  int frames = 0;
  std::string last;
  bool done = false;
  while (true) {
    auto message = (*ws)->Receive(done ? 500 : 5000);
    if (!message.ok()) break;
    if (message->binary) {
      ++frames;
      last = message->data.substr(0, 4);
    } else if (message->data == "done") {
      done = true;
    }
  }
  EXPECT_TRUE(done);
  EXPECT_LT(frames, BurstHandler::kFrames / 2) << "frames were queued, not replaced";
  EXPECT_EQ(last, std::to_string(1000 + BurstHandler::kFrames - 1)) << "the newest frame was lost";
}

TEST(HttpServerTest, OversizedBodiesAreRefusedAndHandlersRunOffTheNetworkThread) {
  testing::ScratchDir scratch;
  TestServer test(scratch.path());
  auto small = HttpRequest(test.endpoint, "POST", "/echo", std::string(100, 'a'));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200);
  EXPECT_NE(small->body.find("\"bytes\": 100"), std::string::npos);
  EXPECT_NE(test.handler_thread.load(), std::this_thread::get_id());
  auto big = HttpRequest(test.endpoint, "POST", "/echo", std::string(5000, 'a'));
  ASSERT_TRUE(big.ok()) << big.error().ToString();
  EXPECT_EQ(big->status, 413);
  // Malformed targets and garbage get 400 and the server keeps serving.
  EXPECT_EQ(RawExchange(test.endpoint.port, "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n").substr(0, 12),
            "HTTP/1.1 400");
  EXPECT_EQ(RawExchange(test.endpoint.port, "\x16\x03\x01 not http at all\r\n\r\n").substr(0, 12),
            "HTTP/1.1 400");
  EXPECT_EQ(HttpRequest(test.endpoint, "GET", "/fine")->status, 200);
}

TEST(HttpServerTest, StopClosesWebSocketsAsGoingAway) {
  testing::ScratchDir scratch;
  TestServer test(scratch.path());
  auto ws = WebSocketClient::Connect(test.endpoint, "/ws");
  ASSERT_TRUE(ws.ok());
  std::thread stopper([&] { test.server->Stop(2000); });
  auto message = (*ws)->Receive(5000);
  stopper.join();
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code, ErrorCode::kIoError);
  EXPECT_FALSE(HttpRequest(test.endpoint, "GET", "/fine", "", "application/json", 2000).ok());
}

}  // namespace
}  // namespace viscera
