// kill -9 in the middle of a settings save, an import or a delete: after a restart every
// completed save is there, no half-imported dataset is listed, and the server starts without
// manual repair. The named crash points (datasets/crash_point.h) kill the server at exactly the
// worst moments; a random-timing loop kills it while saves stream in.
#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "service_test_support.h"

namespace viscera::testing {
namespace {

class ServeCrashTest : public ServeFixture {
 protected:
  std::unique_ptr<ServerProcess> StartServer(const std::string& crash_at = "") {
    std::map<std::string, std::string> env;
    if (!crash_at.empty()) env["VISCERA_CRASH_AT"] = crash_at;
    return ServeFixture::StartServer({}, env);
  }
  // Saves a settings version with a distinct camera field of view; the HTTP status (0: no reply).
  static int Save(const HttpEndpoint& endpoint, int n) {
    nlohmann::json body = {{"settings", {{"camera", {{"field_of_view_deg", 20 + n % 50}}}}},
                           {"note", "save " + std::to_string(n)}};
    auto r = HttpRequest(endpoint, "PUT", "/api/datasets/abdomen/settings", body.dump(),
                         "application/json", 20000);
    return r.ok() ? r->status : 0;
  }
  static std::vector<std::string> Notes(const HttpEndpoint& endpoint) {
    nlohmann::json versions =
        JsonBody(HttpRequest(endpoint, "GET", "/api/datasets/abdomen/settings/versions"));
    std::vector<std::string> notes;
    for (const auto& v : versions["versions"]) notes.push_back(v["note"]);
    return notes;
  }
  static std::vector<std::string> Ids(const HttpEndpoint& endpoint) {
    nlohmann::json list = JsonBody(HttpRequest(endpoint, "GET", "/api/datasets"));
    std::vector<std::string> ids;
    for (const auto& d : list["datasets"]) ids.push_back(d["id"]);
    return ids;
  }
  // The data dir's visible entries (hidden .viscera excluded).
  std::vector<std::string> Folders() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(data_)) {
      const std::string name = e.path().filename().string();
      if (name[0] != '.') names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  void ExpectKilled(ServerProcess& server) {
    const int status = server.Wait(30000);
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status << "\n" << server.Log();
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
  }
  // A NIfTI upload: the abdomen CT itself.
  std::filesystem::path Upload() const { return SharedData("totalseg-example/example_ct.nii.gz"); }
};

TEST_F(ServeCrashTest, KillInsideTheSettingsTransactionLosesOnlyThatSave) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  ASSERT_EQ(Save(server->endpoint(), 1), 201);
  server = nullptr;  // SIGKILL
  server = StartServer("settings-in-transaction");
  ASSERT_TRUE(server);
  EXPECT_EQ(Save(server->endpoint(), 2), 0);  // died before answering
  ExpectKilled(*server);
  server = StartServer();
  ASSERT_TRUE(server);
  EXPECT_EQ(Notes(server->endpoint()), std::vector<std::string>({"save 1"}));
  EXPECT_EQ(Save(server->endpoint(), 3), 201);
  EXPECT_EQ(Notes(server->endpoint()), std::vector<std::string>({"save 3", "save 1"}));
}

TEST_F(ServeCrashTest, KillAfterTheCommitKeepsTheSave) {
  auto server = StartServer("settings-after-commit");
  ASSERT_TRUE(server);
  EXPECT_EQ(Save(server->endpoint(), 1), 0);
  ExpectKilled(*server);
  server = StartServer();
  ASSERT_TRUE(server);
  EXPECT_EQ(Notes(server->endpoint()), std::vector<std::string>({"save 1"}));
}

TEST_F(ServeCrashTest, KillDuringAnImportListsNoHalfDataset) {
  const auto before = Folders();
  auto server = StartServer("import-before-publish");
  ASSERT_TRUE(server);
  auto r = HttpUpload(server->endpoint(), "POST", "/api/datasets?id=second", Upload(),
                      "application/octet-stream");
  EXPECT_FALSE(r.ok() && r->status == 201);
  ExpectKilled(*server);
  server = StartServer();
  ASSERT_TRUE(server);
  EXPECT_EQ(Ids(server->endpoint()), std::vector<std::string>({"abdomen"}));
  EXPECT_EQ(Folders(), before);
  // The same import then succeeds.
  auto again = HttpUpload(server->endpoint(), "POST", "/api/datasets?id=second", Upload(),
                          "application/octet-stream");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 201) << again->body;
  EXPECT_EQ(Ids(server->endpoint()), std::vector<std::string>({"abdomen", "second"}));
}

TEST_F(ServeCrashTest, KillAfterAnImportIsPublishedKeepsTheWholeDataset) {
  auto server = StartServer("import-after-publish");
  ASSERT_TRUE(server);
  (void)HttpUpload(server->endpoint(), "POST", "/api/datasets?id=second", Upload(),
                   "application/octet-stream");
  ExpectKilled(*server);
  server = StartServer();
  ASSERT_TRUE(server);
  EXPECT_EQ(Ids(server->endpoint()), std::vector<std::string>({"abdomen", "second"}));
  // ...and it renders.
  auto client = RenderClient::Open(server->endpoint(), "second");
  ASSERT_TRUE(client);
  EXPECT_TRUE(client->WaitForFrame(0, "full").ok());
}

TEST_F(ServeCrashTest, KillDuringADeleteFinishesTheDelete) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  ASSERT_EQ(Save(server->endpoint(), 1), 201);
  server = StartServer("delete-after-trash");
  ASSERT_TRUE(server);
  (void)HttpRequest(server->endpoint(), "DELETE", "/api/datasets/abdomen");
  ExpectKilled(*server);
  server = StartServer();
  ASSERT_TRUE(server);
  EXPECT_TRUE(Ids(server->endpoint()).empty());
  EXPECT_TRUE(Folders().empty());
  EXPECT_EQ(HttpRequest(server->endpoint(), "GET", "/api/datasets/abdomen/settings")->status, 404);
}

TEST_F(ServeCrashTest, KillAtRandomMomentsWhileSavingKeepsEveryAcknowledgedSave) {
  std::mt19937 rng(20261201);
  std::set<std::string> acknowledged;
  int next = 0;
  for (int round = 0; round < 4; ++round) {
    auto server = StartServer();
    ASSERT_TRUE(server);
    // Every save acknowledged before any kill must be there after the restart.
    for (const std::string& note : Notes(server->endpoint())) acknowledged.erase(note);
    EXPECT_TRUE(acknowledged.empty()) << "lost " << acknowledged.size() << " acknowledged saves";
    std::atomic<bool> stop{false};
    std::vector<std::string> acked_now;
    std::mutex acked_mutex;
    std::thread saver([&, endpoint = server->endpoint()] {
      while (!stop) {
        const int n = next++;
        if (Save(endpoint, n) == 201) {
          std::lock_guard lock(acked_mutex);
          acked_now.push_back("save " + std::to_string(n));
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    server->Signal(SIGKILL);
    stop = true;
    saver.join();
    ExpectKilled(*server);
    acknowledged.insert(acked_now.begin(), acked_now.end());
  }
  auto server = StartServer();
  ASSERT_TRUE(server);
  const std::vector<std::string> notes = Notes(server->endpoint());
  for (const std::string& note : notes) acknowledged.erase(note);
  EXPECT_TRUE(acknowledged.empty()) << "lost " << acknowledged.size() << " acknowledged saves";
  // Versions are numbered without gaps or duplicates.
  nlohmann::json versions =
      JsonBody(HttpRequest(server->endpoint(), "GET", "/api/datasets/abdomen/settings/versions"));
  int64_t expected = static_cast<int64_t>(versions["versions"].size());
  for (const auto& v : versions["versions"]) EXPECT_EQ(v["version"], expected--);
  EXPECT_GT(versions["versions"].size(), 3u);
}

}  // namespace
}  // namespace viscera::testing
