// Drives the real `viscera serve` executable: started as a child process on a free loopback port
// (it writes the port to a file once listening), killed with any signal, restarted on the same
// data. And the abdomen dataset the service tests render: the TotalSegmentator CT with its 61
// organ labels (122x101x112, 3 mm), written as a Clara dataset folder.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/frame_message.h"
#include "client/http_client.h"
#include "core/label_map.h"
#include "export/clara_dataset.h"
#include "io/label_names.h"
#include "io/volume_file.h"
#include "service/jpeg_codec.h"
#include "test_data.h"

namespace viscera::testing {

inline constexpr uint16_t kLiverLabel = 5;  // TotalSegmentator 'total' ids
inline constexpr uint16_t kSpleenLabel = 1;

class ServerProcess {
 public:
  // Starts `viscera serve ARGS --port 0 --port-file ...` with extra environment; fails the test
  // (returning nullptr) if it does not listen within 60 s.
  static std::unique_ptr<ServerProcess> Start(const std::vector<std::string>& args,
                                              const std::filesystem::path& log_file,
                                              const std::map<std::string, std::string>& env = {}) {
    auto server = std::unique_ptr<ServerProcess>(new ServerProcess());
    server->log_ = log_file;
    const std::filesystem::path port_file = log_file.string() + ".port";
    std::filesystem::remove(port_file);
    std::vector<std::string> argv = {VISCERA_EXECUTABLE, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (std::find(args.begin(), args.end(), "--port") == args.end()) {
      argv.insert(argv.end(), {"--port", "0"});
    }
    argv.insert(argv.end(), {"--port-file", port_file.string()});
    server->pid_ = Spawn(argv, log_file, env);
    for (int i = 0; i < 600; ++i) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) {
        server->endpoint_.port = port;
        return server;
      }
      int status = 0;
      if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
        server->pid_ = -1;
        ADD_FAILURE() << "viscera serve exited before listening:\n" << server->Log();
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "viscera serve did not listen within 60 s:\n" << server->Log();
    return nullptr;
  }

  // Runs `viscera serve ARGS` expecting it to refuse to start; returns its output (empty if it
  // started after all, which fails the test).
  static std::string StartExpectingRefusal(const std::vector<std::string>& args,
                                           const std::filesystem::path& log_file) {
    std::filesystem::remove(log_file);
    std::vector<std::string> argv = {VISCERA_EXECUTABLE, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--port", "0"});
    const pid_t pid = Spawn(argv, log_file, {});
    ServerProcess process;
    process.pid_ = pid;
    process.log_ = log_file;
    const int status = process.Wait(30000);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << process.Log();
    return process.Log();
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  HttpEndpoint endpoint() const { return endpoint_; }
  HttpEndpoint endpoint(const std::string& token) const {
    HttpEndpoint e = endpoint_;
    e.token = token;
    return e;
  }

  void Signal(int signal) { ::kill(pid_, signal); }

  // Waits for the process to end; the wait status, or -1 if it is still running after timeout_ms.
  int Wait(int timeout_ms) {
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  ServerProcess() = default;

  // fork + exec with stdout and stderr appended to log_file.
  static pid_t Spawn(std::vector<std::string> argv, const std::filesystem::path& log_file,
                     const std::map<std::string, std::string>& env) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    return pid;
  }
  pid_t pid_ = -1;
  HttpEndpoint endpoint_;
  std::filesystem::path log_;
};

// data_dir/<id>: the abdomen CT + organ labels as a Clara dataset, with labels.json names.
inline void MakeAbdomenDataset(const std::filesystem::path& data_dir, const std::string& id) {
  const auto ct_path = SharedData("totalseg-example/example_ct.nii.gz");
  const auto seg_path = SharedData("totalseg-example/example_seg_fast_force_split.nii.gz");
  const auto names_path = SharedData("totalseg-example/labels_total_v2.json");
  auto ct = ReadVolume(ct_path, {});
  ASSERT_TRUE(ct.ok()) << ct.error().ToString();
  auto hu = ToHounsfield(ct->volume, ct_path);
  ASSERT_TRUE(hu.ok()) << hu.error().ToString();
  auto seg = ReadVolume(seg_path, {});
  ASSERT_TRUE(seg.ok()) << seg.error().ToString();
  auto names = ReadLabelNames(names_path);
  ASSERT_TRUE(names.ok()) << names.error().ToString();
  auto labels = LabelMap::Create(hu->geometry(), seg->volume, *names);
  ASSERT_TRUE(labels.ok()) << labels.error().ToString();
  const auto folder = data_dir / id;
  std::filesystem::create_directories(folder);
  Status written = WriteClaraDataset(*hu, *labels, id, folder);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  std::filesystem::copy_file(names_path, folder / "labels.json");
}

// A data dir holding the abdomen dataset, and the server started on it.
class ServeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = scratch_.path() / "data";
    std::filesystem::create_directories(data_);
    MakeAbdomenDataset(data_, "abdomen");
  }
  std::unique_ptr<ServerProcess> StartServer(std::vector<std::string> extra = {},
                                             const std::map<std::string, std::string>& env = {},
                                             const std::string& log = "server.log") {
    std::vector<std::string> args = {"--data", data_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return ServerProcess::Start(args, scratch_.path() / log, env);
  }
  ScratchDir scratch_;
  std::filesystem::path data_;
};

// A WebSocket render session on a dataset, with helpers to wait for messages.
class RenderClient {
 public:
  static std::unique_ptr<RenderClient> Open(const HttpEndpoint& endpoint,
                                            const std::string& dataset, int width = 192,
                                            int height = 192) {
    auto ws = WebSocketClient::Connect(endpoint, "/api/render?dataset=" + dataset +
                                                     "&width=" + std::to_string(width) +
                                                     "&height=" + std::to_string(height));
    if (!ws.ok()) {
      ADD_FAILURE() << ws.error().ToString();
      return nullptr;
    }
    auto client = std::unique_ptr<RenderClient>(new RenderClient());
    client->ws_ = std::move(*ws);
    return client;
  }

  Status Send(const std::string& json) { return ws_->SendText(json); }

  // The next text message of `type` (other texts are kept in texts()), frames are kept too.
  Expected<nlohmann::json> WaitForText(const std::string& type, int timeout_ms = 20000) {
    return WaitFor(
        [&](const WebSocketMessage& m, nlohmann::json* json) {
          if (m.binary) return false;
          *json = nlohmann::json::parse(m.data, nullptr, false);
          return json->is_object() && json->value("type", "") == type;
        },
        timeout_ms);
  }

  // The next frame reflecting input `input_id` (and, if set, of `quality`).
  Expected<FrameMessage> WaitForFrame(int64_t input_id, const std::string& quality = "",
                                      int timeout_ms = 30000) {
    FrameMessage found;
    auto got = WaitFor(
        [&](const WebSocketMessage& m, nlohmann::json*) {
          if (!m.binary) return false;
          auto frame = ParseFrameMessage(m.data);
          if (!frame.ok()) return false;
          if (frame->input_id < input_id || (!quality.empty() && frame->quality != quality)) {
            return false;
          }
          found = std::move(*frame);
          return true;
        },
        timeout_ms);
    if (!got.ok()) return got.error();
    return found;
  }

  const std::vector<nlohmann::json>& texts() const { return texts_; }
  WebSocketClient& socket() { return *ws_; }

 private:
  RenderClient() = default;

  template <class Pred>
  Expected<nlohmann::json> WaitFor(Pred pred, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - std::chrono::steady_clock::now())
                                            .count());
      auto message = ws_->Receive(std::max(1, left));
      if (!message.ok()) return message.error();
      nlohmann::json json;
      if (pred(*message, &json)) return json;
      if (!message->binary) texts_.push_back(nlohmann::json::parse(message->data, nullptr, false));
    }
    return MakeError(ErrorCode::kNotFound, "timeout waiting for a message");
  }

  std::unique_ptr<WebSocketClient> ws_;
  std::vector<nlohmann::json> texts_;
};

// Mean absolute difference per channel of two images of the same size (0..255; -1 when the
// sizes differ).
inline double MeanImageDifference(const RgbImage& a, const RgbImage& b) {
  if (a.rgb.size() != b.rgb.size()) return -1;
  double sum = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) sum += std::abs(a.rgb[i] - b.rgb[i]);
  return sum / static_cast<double>(a.rgb.size());
}

// The same for two decoded frames.
inline double MeanFrameDifference(const FrameMessage& a, const FrameMessage& b) {
  auto ia = DecodeJpeg(a.jpeg);
  auto ib = DecodeJpeg(b.jpeg);
  EXPECT_TRUE(ia.ok() && ib.ok());
  if (!ia.ok() || !ib.ok()) return -1;
  return MeanImageDifference(*ia, *ib);
}

inline nlohmann::json JsonBody(const Expected<HttpResponse>& response) {
  EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().ToString());
  if (!response.ok()) return nullptr;
  return nlohmann::json::parse(response->body, nullptr, false);
}

}  // namespace viscera::testing
