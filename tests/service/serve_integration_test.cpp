// The real `viscera serve` on a loopback port, driven over HTTP and WebSocket: list datasets,
// open a session, orbit, see the frame change, hide an organ, save, restart, settings still there.
#include <gtest/gtest.h>

#include "service_test_support.h"

namespace viscera::testing {
namespace {

using ServeTest = ServeFixture;

TEST_F(ServeTest, OrbitHideOrganSaveAndRestart) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  const HttpEndpoint endpoint = server->endpoint();

  // The dataset is listed with its organs named.
  nlohmann::json list = JsonBody(HttpRequest(endpoint, "GET", "/api/datasets"));
  ASSERT_EQ(list["datasets"].size(), 1u) << list.dump();
  const nlohmann::json& dataset = list["datasets"][0];
  EXPECT_EQ(dataset["id"], "abdomen");
  EXPECT_EQ(dataset["dimensions"], nlohmann::json({122, 101, 112}));
  bool liver_named = false;
  for (const auto& label : dataset["labels"]) {
    if (label["id"] == kLiverLabel) liver_named = label["name"] == "liver";
  }
  EXPECT_TRUE(liver_named) << dataset["labels"].dump();

  auto client = RenderClient::Open(endpoint, "abdomen");
  ASSERT_TRUE(client);
  auto hello = client->WaitForText("hello");
  ASSERT_TRUE(hello.ok()) << hello.error().ToString();
  auto first = client->WaitForFrame(0, "full");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->width, 192);
  EXPECT_EQ(first->height, 192);

  // Orbiting: a draft frame at once, then the full-quality frame for the same input.
  ASSERT_TRUE(client->Send(R"({"type": "orbit", "id": 1, "yaw_deg": 40, "pitch_deg": 0})").ok());
  auto draft = client->WaitForFrame(1, "draft");
  ASSERT_TRUE(draft.ok()) << draft.error().ToString();
  auto orbited = client->WaitForFrame(1, "full");
  ASSERT_TRUE(orbited.ok()) << orbited.error().ToString();
  EXPECT_GT(orbited->seq, draft->seq);
  EXPECT_GT(MeanFrameDifference(*first, *orbited), 2.0) << "the view did not change";

  // Hiding the liver changes the frame, and the state says the view is modified.
  ASSERT_TRUE(
      client
          ->Send(
              R"({"type": "settings", "id": 2, "patch": {"organs": [{"label": 5, "visible": false}]}})")
          .ok());
  auto state = client->WaitForText("state");
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  EXPECT_TRUE((*state)["modified"].get<bool>());
  auto hidden = client->WaitForFrame(2, "full");
  ASSERT_TRUE(hidden.ok()) << hidden.error().ToString();
  EXPECT_GT(MeanFrameDifference(*orbited, *hidden), 1.0) << "hiding the liver changed nothing";

  ASSERT_TRUE(client->Send(R"({"type": "save", "id": 3, "note": "no liver"})").ok());
  auto saved = client->WaitForText("saved");
  ASSERT_TRUE(saved.ok()) << saved.error().ToString();
  EXPECT_EQ((*saved)["version"], 1);
  auto after_save = client->WaitForText("state");
  ASSERT_TRUE(after_save.ok());
  EXPECT_FALSE((*after_save)["modified"].get<bool>());
  client.reset();

  // SIGTERM drains and exits cleanly.
  server->Signal(SIGTERM);
  const int status = server->Wait(10000);
  ASSERT_TRUE(WIFEXITED(status)) << server->Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server->Log();

  // After a restart the saved settings are there and a new session starts from them.
  server = StartServer();
  ASSERT_TRUE(server);
  nlohmann::json latest =
      JsonBody(HttpRequest(server->endpoint(), "GET", "/api/datasets/abdomen/settings"));
  EXPECT_EQ(latest["version"], 1) << latest.dump();
  EXPECT_EQ(latest["note"], "no liver");
  bool liver_hidden = false;
  for (const auto& organ : latest["settings"]["organs"]) {
    if (organ["label"] == kLiverLabel) liver_hidden = organ["visible"] == false;
  }
  EXPECT_TRUE(liver_hidden) << latest["settings"]["organs"].dump();
  auto again = RenderClient::Open(server->endpoint(), "abdomen");
  ASSERT_TRUE(again);
  auto restored_state = again->WaitForText("state");
  ASSERT_TRUE(restored_state.ok());
  EXPECT_EQ((*restored_state)["saved_version"], 1);
  auto restored_frame = again->WaitForFrame(0, "full");
  ASSERT_TRUE(restored_frame.ok());
  EXPECT_LT(MeanFrameDifference(*restored_frame, *hidden), 1.0)
      << "the restarted session does not show the saved view";
  // SIGTERM with a session open: the client is told, the server exits 0.
  server->Signal(SIGTERM);
  auto closed = again->socket().Receive(5000);
  while (closed.ok()) closed = again->socket().Receive(5000);
  EXPECT_EQ(closed.error().code, ErrorCode::kIoError) << closed.error().ToString();
  const int drained = server->Wait(10000);
  ASSERT_TRUE(WIFEXITED(drained)) << server->Log();
  EXPECT_EQ(WEXITSTATUS(drained), 0) << server->Log();
  // The folder's Clara file carries the hidden liver too (for exports and Clara's viewers).
  std::ifstream clara(data_ / "abdomen" / "config_render.json");
  std::stringstream clara_text;
  clara_text << clara.rdbuf();
  nlohmann::json clara_json = nlohmann::json::parse(clara_text.str(), nullptr, false);
  ASSERT_FALSE(clara_json.is_discarded());
  EXPECT_NE(clara_json.dump().find("hiddenRegions"), std::string::npos);
}

// The value of an unlabelled Prometheus sample, or -1.
double MetricValue(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

TEST_F(ServeTest, SessionsShareOneVolumeAndNewDatasetFoldersAppear) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  auto metrics = [&] { return HttpRequest(server->endpoint(), "GET", "/metrics")->body; };
  std::vector<std::unique_ptr<RenderClient>> clients;
  clients.push_back(RenderClient::Open(server->endpoint(), "abdomen"));
  ASSERT_TRUE(clients.back() && clients.back()->WaitForFrame(0, "full").ok());
  const double one = MetricValue(metrics(), "viscera_loaded_volume_bytes");
  EXPECT_GT(one, 122.0 * 101 * 112 * 2) << "the CT alone is this large";
  for (int i = 0; i < 3; ++i) {
    clients.push_back(RenderClient::Open(server->endpoint(), "abdomen"));
    ASSERT_TRUE(clients.back() && clients.back()->WaitForFrame(0, "full").ok());
  }
  const std::string four = metrics();
  EXPECT_EQ(MetricValue(four, "viscera_loaded_volumes"), 1);
  EXPECT_EQ(MetricValue(four, "viscera_loaded_volume_bytes"), one) << "sessions copied the volume";
  EXPECT_EQ(MetricValue(four, "viscera_sessions"), 4);
  nlohmann::json sessions = JsonBody(HttpRequest(server->endpoint(), "GET", "/api/sessions"));
  EXPECT_EQ(sessions["sessions"].size(), 4u);
  clients.clear();
  for (int i = 0; i < 50 && MetricValue(metrics(), "viscera_loaded_volumes") != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(MetricValue(metrics(), "viscera_loaded_volumes"), 0)
      << "closed sessions kept the volume";

  // A dataset written into the data dir by another program (viscera segment -o DIR/later).
  MakeAbdomenDataset(data_, "later");
  bool listed = false;
  for (int i = 0; i < 100 && !listed; ++i) {
    nlohmann::json list = JsonBody(HttpRequest(server->endpoint(), "GET", "/api/datasets"));
    for (const auto& d : list["datasets"]) listed = listed || d["id"] == "later";
    if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(listed) << "a dataset folder added while serving was not noticed";
}

TEST_F(ServeTest, GarbageGetsAnErrorAndTheSessionStaysUsable) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  auto client = RenderClient::Open(server->endpoint(), "abdomen");
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->WaitForFrame(0, "full").ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json at all", "JSON"},
      {R"({"type": "fly", "id": 1})", "fly"},
      {R"({"type": "zoom", "id": 2, "factor": 0})", "factor"},
      {R"({"type": "settings", "id": 3, "patch": {"organs": [{"label": 5, "opacity_scale": 7}]}})",
       "opacity"},
      {std::string(70000, 'x'), "70000 bytes"},
  };
  for (const auto& [message, expected] : cases) {
    ASSERT_TRUE(client->Send(message).ok());
    auto error = client->WaitForText("error");
    ASSERT_TRUE(error.ok()) << "no error for " << message.substr(0, 60);
    EXPECT_NE((*error)["message"].get<std::string>().find(expected), std::string::npos)
        << (*error).dump();
  }
  ASSERT_TRUE(client->socket().SendBinary("\x01\x02").ok());
  ASSERT_TRUE(client->WaitForText("error").ok());
  // Still connected and rendering.
  ASSERT_TRUE(client->Send(R"({"type": "zoom", "id": 9, "factor": 1.5})").ok());
  EXPECT_TRUE(client->WaitForFrame(9).ok());
  auto metrics = HttpRequest(server->endpoint(), "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("viscera_websocket_errors_total 6"), std::string::npos)
      << metrics->body;
}

TEST_F(ServeTest, UnknownDatasetAndTraversalAreRefused) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  auto missing = WebSocketClient::Connect(server->endpoint(), "/api/render?dataset=nothere");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("404"), std::string::npos) << missing.error().message;
  for (const std::string target :
       {"/api/datasets/..%2F..%2Fetc", "/api/datasets/%2E%2E", "/api/datasets/.viscera"}) {
    auto r = HttpRequest(server->endpoint(), "GET", target);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->status == 400 || r->status == 404) << target << " -> " << r->status;
  }
  auto traversal = WebSocketClient::Connect(server->endpoint(), "/api/render?dataset=../abdomen");
  EXPECT_FALSE(traversal.ok());
}

TEST_F(ServeTest, TokenRequiredOffLoopbackAndChecked) {
  // Off loopback without a token: refused at start with a clear message.
  const std::string refusal = ServerProcess::StartExpectingRefusal(
      {"--data", data_.string(), "--bind", "0.0.0.0"}, scratch_.path() / "refused.log");
  EXPECT_NE(refusal.find("requires an access token"), std::string::npos) << refusal;
  // With a token every request but the probes needs it.
  auto server = StartServer({"--bind", "0.0.0.0"}, {{"VISCERA_TOKEN", "s3cret-token"}});
  ASSERT_TRUE(server);
  const HttpEndpoint anonymous = server->endpoint();
  EXPECT_EQ(HttpRequest(anonymous, "GET", "/api/datasets")->status, 401);
  EXPECT_EQ(HttpRequest(server->endpoint("wrong"), "GET", "/api/datasets")->status, 401);
  EXPECT_EQ(HttpRequest(server->endpoint("s3cret-token"), "GET", "/api/datasets")->status, 200);
  EXPECT_EQ(HttpRequest(anonymous, "GET", "/healthz")->status, 200);
  EXPECT_EQ(HttpRequest(anonymous, "GET", "/metrics")->status, 401);
  EXPECT_FALSE(WebSocketClient::Connect(anonymous, "/api/render?dataset=abdomen").ok());
  auto by_query =
      WebSocketClient::Connect(anonymous, "/api/render?dataset=abdomen&access_token=s3cret-token");
  EXPECT_TRUE(by_query.ok()) << (by_query.ok() ? "" : by_query.error().ToString());
  // Another site's page may not use the API.
  auto cross = HttpRequest(server->endpoint("s3cret-token"), "GET", "/api/datasets", "",
                           "application/json", 5000, {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(cross.ok());
  EXPECT_EQ(cross->status, 403);
  // Tokens never reach the log.
  EXPECT_EQ(server->Log().find("s3cret-token"), std::string::npos);
}

}  // namespace
}  // namespace viscera::testing
