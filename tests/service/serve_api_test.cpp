// The REST API of `viscera serve` against the real server: uploads and their refusals, settings
// versions and restore, export, roles split over two processes, the OpenAPI document, metrics.
#include <gtest/gtest.h>

#include "datasets/zip_archive.h"
#include "service_test_support.h"

namespace viscera::testing {
namespace {

using ServeApiTest = ServeFixture;

TEST_F(ServeApiTest, UploadsAreImportedOrRefusedWithoutTouchingTheData) {
  auto server = StartServer({"--max-upload-mb", "8"});
  ASSERT_TRUE(server);
  const HttpEndpoint e = server->endpoint();
  const auto nifti = SharedData("totalseg-example/example_ct.nii.gz");
  auto imported =
      HttpUpload(e, "POST", "/api/datasets?id=ct-only", nifti, "application/octet-stream");
  ASSERT_TRUE(imported.ok());
  ASSERT_EQ(imported->status, 201) << imported->body;
  nlohmann::json record = nlohmann::json::parse(imported->body);
  EXPECT_EQ(record["dimensions"], nlohmann::json({122, 101, 112}));
  EXPECT_TRUE(std::filesystem::exists(data_ / "ct-only" / "config.meta"));

  const auto listing = [&] {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data_)) {
      const std::string rel = std::filesystem::relative(entry.path(), data_).string();
      if (rel.rfind(".viscera", 0) != 0) names.push_back(rel);
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto before = listing();
  // Bad ids, an existing id, a corrupt body, an oversized body: clear errors, nothing written.
  const std::filesystem::path junk = scratch_.path() / "junk.zip";
  {
    std::ofstream out(junk, std::ios::binary);
    out << "PK\x03\x04 this is not really a zip file";
  }
  const std::filesystem::path big = scratch_.path() / "big.bin";
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string(9 << 20, '\0');
  }
  struct Case {
    std::string target;
    std::filesystem::path file;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/api/datasets?id=..%2Fescape", nifti, 400, "escape"},
      {"/api/datasets?id=.hidden", nifti, 400, ".hidden"},
      {"/api/datasets?id=abdomen", nifti, 400, "exists"},
      {"/api/datasets", nifti, 400, "id"},
      {"/api/datasets?id=junk", junk, 400, "zip"},
      {"/api/datasets?id=big", big, 413, "limit"},
  };
  for (const Case& c : cases) {
    auto r = HttpUpload(e, "POST", c.target, c.file, "application/octet-stream");
    ASSERT_TRUE(r.ok()) << c.target << ": " << r.error().ToString();
    EXPECT_EQ(r->status, c.status) << c.target << ": " << r->body;
    EXPECT_NE(r->body.find(c.says), std::string::npos) << c.target << ": " << r->body;
  }
  EXPECT_EQ(listing(), before);
  // Nothing of the uploads stays in the scratch folder.
  size_t scratch_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_ / ".viscera" / "tmp")) {
    (void)entry;
    ++scratch_files;
  }
  EXPECT_EQ(scratch_files, 0u);

  auto deleted = HttpRequest(e, "DELETE", "/api/datasets/ct-only");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->status, 204);
  EXPECT_FALSE(std::filesystem::exists(data_ / "ct-only"));
  EXPECT_EQ(HttpRequest(e, "DELETE", "/api/datasets/ct-only")->status, 404);
}

TEST_F(ServeApiTest, DicomZipIsSegmentedOnImportWhenAModelIsConfigured) {
  auto server = StartServer({"--model", (SourceDir() / "models" / "demo").string()});
  ASSERT_TRUE(server);
  const auto zip = scratch_.path() / "series.zip";
  ASSERT_TRUE(WriteZip(SourceDir() / "data" / "demo" / "totalseg-ct-dicom", zip).ok());
  auto imported = HttpUpload(server->endpoint(), "POST", "/api/datasets?id=segmented", zip,
                             "application/zip", 600000);
  ASSERT_TRUE(imported.ok()) << imported.error().ToString();
  ASSERT_EQ(imported->status, 201) << imported->body << "\n" << server->Log();
  nlohmann::json record = nlohmann::json::parse(imported->body);
  EXPECT_EQ(record["dimensions"], nlohmann::json({512, 512, 20}));
  // The demo model finds organs, named from its metadata (the BTCV set).
  ASSERT_FALSE(record["labels"].empty()) << record.dump();
  bool liver = false;
  for (const auto& label : record["labels"]) liver = liver || label["name"] == "liver";
  EXPECT_TRUE(liver) << record["labels"].dump();
  for (const char* file : {"seg.dcm", "rtstruct.dcm", "stats.json", "config.meta"}) {
    EXPECT_TRUE(std::filesystem::exists(data_ / "segmented" / file)) << file;
  }
}

TEST_F(ServeApiTest, SettingsVersionsAreKeptValidatedAndRestorable) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  const HttpEndpoint e = server->endpoint();
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/settings")->status, 404);
  for (int fov : {20, 35, 50}) {
    nlohmann::json body = {{"settings", {{"camera", {{"field_of_view_deg", fov}}}}},
                           {"note", "fov " + std::to_string(fov)}};
    auto r = HttpRequest(e, "PUT", "/api/datasets/abdomen/settings", body.dump());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 201) << r->body;
  }
  // The validation layer names the field, the range and the value.
  auto bad = HttpRequest(e, "PUT", "/api/datasets/abdomen/settings",
                         R"({"settings": {"camera": {"field_of_view_deg": 400}}})");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("field_of_view_deg"), std::string::npos) << bad->body;
  EXPECT_NE(bad->body.find("400"), std::string::npos) << bad->body;

  nlohmann::json versions =
      JsonBody(HttpRequest(e, "GET", "/api/datasets/abdomen/settings/versions"));
  ASSERT_EQ(versions["versions"].size(), 3u);
  EXPECT_EQ(versions["versions"][0]["version"], 3);
  nlohmann::json v1 = JsonBody(HttpRequest(e, "GET", "/api/datasets/abdomen/settings/versions/1"));
  EXPECT_EQ(v1["settings"]["camera"]["field_of_view_deg"], 20);
  auto restored = HttpRequest(e, "POST", "/api/datasets/abdomen/settings/versions/1/restore");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->status, 201) << restored->body;
  nlohmann::json latest = JsonBody(HttpRequest(e, "GET", "/api/datasets/abdomen/settings"));
  EXPECT_EQ(latest["version"], 4);
  EXPECT_EQ(latest["settings"]["camera"]["field_of_view_deg"], 20);
  EXPECT_EQ(latest["note"], "restored version 1");
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/settings/versions/99")->status, 404);
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/settings/versions/x")->status, 400);
}

TEST_F(ServeApiTest, RenderRoleAloneUsesTheDatasetServiceOverHttp) {
  auto datasets = StartServer({"--roles", "datasets"}, {}, "datasets.log");
  ASSERT_TRUE(datasets);
  const std::string url = "http://127.0.0.1:" + std::to_string(datasets->endpoint().port);
  auto render = ServerProcess::Start({"--roles", "render", "--datasets-url", url},
                                     scratch_.path() / "render.log");
  ASSERT_TRUE(render);
  // Each serves only its own routes.
  EXPECT_EQ(HttpRequest(render->endpoint(), "GET", "/api/datasets")->status, 404);
  EXPECT_FALSE(WebSocketClient::Connect(datasets->endpoint(), "/api/render?dataset=abdomen").ok());
  auto client = RenderClient::Open(render->endpoint(), "abdomen");
  ASSERT_TRUE(client);
  auto frame = client->WaitForFrame(0, "full");
  ASSERT_TRUE(frame.ok()) << frame.error().ToString() << "\n" << render->Log();
  ASSERT_TRUE(
      client
          ->Send(
              R"({"type": "settings", "id": 1, "patch": {"organs": [{"label": 1, "visible": false}]}})")
          .ok());
  ASSERT_TRUE(client->Send(R"({"type": "save", "id": 2, "note": "from the render role"})").ok());
  auto saved = client->WaitForText("saved");
  ASSERT_TRUE(saved.ok()) << saved.error().ToString() << "\n" << render->Log();
  nlohmann::json latest =
      JsonBody(HttpRequest(datasets->endpoint(), "GET", "/api/datasets/abdomen/settings"));
  EXPECT_EQ(latest["note"], "from the render role");
  EXPECT_EQ(latest["version"], (*saved)["version"]);
}

TEST_F(ServeApiTest, ExportIsAClaraFolderThatImportsAgain) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  const auto zip = scratch_.path() / "export.zip";
  ASSERT_TRUE(HttpDownload(server->endpoint(), "/api/datasets/abdomen/export", zip).ok());
  auto imported =
      HttpUpload(server->endpoint(), "POST", "/api/datasets?id=copy", zip, "application/zip");
  ASSERT_TRUE(imported.ok());
  ASSERT_EQ(imported->status, 201) << imported->body;
  nlohmann::json a = JsonBody(HttpRequest(server->endpoint(), "GET", "/api/datasets/abdomen"));
  nlohmann::json b = JsonBody(HttpRequest(server->endpoint(), "GET", "/api/datasets/copy"));
  EXPECT_EQ(a["dimensions"], b["dimensions"]);
  EXPECT_EQ(a["labels"], b["labels"]);
}

TEST_F(ServeApiTest, OpenApiDocumentsEveryRouteAndMetricsAreExposed) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  nlohmann::json doc = JsonBody(HttpRequest(server->endpoint(), "GET", "/api/openapi.json"));
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  // Every documented operation exists (the server does not answer "no such resource" or 405).
  int operations = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string target = path;
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"{id}", "abdomen"}, {"{version}", "1"}, {"{a}", "x"}, {"{b}", "y"}, {"{c}", "z"}}) {
        const size_t at = target.find(from);
        if (at != std::string::npos) target.replace(at, from.size(), to);
      }
      std::string upper = method;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
      if (upper == "DELETE" || upper == "POST" || upper == "PUT") continue;  // not destructive here
      auto r = HttpRequest(server->endpoint(), upper, target);
      ASSERT_TRUE(r.ok()) << target;
      EXPECT_NE(r->status, 405) << upper << " " << target;
      EXPECT_EQ(r->body.find("no such resource"), std::string::npos) << upper << " " << target;
      ++operations;
    }
  }
  EXPECT_GE(operations, 10);
  // Undocumented paths are unknown to the server too.
  EXPECT_EQ(HttpRequest(server->endpoint(), "GET", "/api/nothing")->status, 404);
  EXPECT_EQ(HttpRequest(server->endpoint(), "PATCH", "/api/datasets")->status, 405);

  auto metrics = HttpRequest(server->endpoint(), "GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  for (const char* name : {"viscera_frames_total{quality=\"full\"}", "viscera_sessions ",
                           "viscera_input_to_frame_seconds_bucket", "viscera_http_requests_total",
                           "process_resident_memory_bytes"}) {
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name;
  }
  // One log line per request with its latency; no query strings.
  EXPECT_NE(server->Log().find("GET /api/openapi.json 200"), std::string::npos) << server->Log();
}

}  // namespace
}  // namespace viscera::testing
