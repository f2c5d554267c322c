// The dashboard's endpoints against the real server: a dataset's summary (grid, HU histogram,
// organ sizes) checked against nibabel on the same NIfTI files, and thumbnails (rendered, cached
// on disk per settings version, redrawn after a save, gone with the dataset).
#include <gtest/gtest.h>

#include <cstdlib>

#include "service_test_support.h"

namespace viscera::testing {
namespace {

using DashboardApiTest = ServeFixture;

// Outside truth: the abdomen's NIfTI files read by nibabel. argv: ct, labels, bins, out.json.
constexpr char kNibabelSummaryScript[] = R"PY(
import json, sys
import nibabel as nib
import numpy as np

ct = nib.load(sys.argv[1])
seg = nib.load(sys.argv[2])
bins = int(sys.argv[3])
hu = np.asanyarray(ct.dataobj).astype(np.int64)
labels = np.rint(np.asanyarray(seg.dataobj)).astype(np.int64)
lo, hi = int(hu.min()), int(hu.max())
width = hi - lo + 1
histogram = np.bincount(((hu - lo) * bins // width).ravel(), minlength=bins)
ids, counts = np.unique(labels, return_counts=True)
affine = ct.affine
n = hu.shape
corners = np.array([[i, j, k, 1] for i in (0, n[0] - 1) for j in (0, n[1] - 1)
                    for k in (0, n[2] - 1)], dtype=np.float64)
lps = (affine @ corners.T).T[:, :3] * np.array([-1.0, -1.0, 1.0])  # RAS -> LPS
json.dump({
    "shape": [int(s) for s in n],
    "voxels": int(hu.size),
    "hu_range": [lo, hi],
    "histogram": [int(c) for c in histogram],
    "labels": {str(int(i)): int(c) for i, c in zip(ids, counts) if i != 0},
    "voxel_ml": float(abs(np.linalg.det(affine[:3, :3])) / 1000.0),
    "bounds_min": lps.min(axis=0).tolist(),
    "bounds_max": lps.max(axis=0).tolist(),
}, open(sys.argv[4], "w"))
)PY";

nlohmann::json NibabelSummary(const std::filesystem::path& dir, int bins) {
  std::ofstream(dir / "summary.py") << kNibabelSummaryScript;
  const std::filesystem::path out = dir / "nibabel.json", log = dir / "nibabel.log";
  const std::string command =
      std::string(VISCERA_PYTHON) + " " + (dir / "summary.py").string() + " " +
      SharedData("totalseg-example/example_ct.nii.gz").string() + " " +
      SharedData("totalseg-example/example_seg_fast_force_split.nii.gz").string() + " " +
      std::to_string(bins) + " " + out.string() + " > " + log.string() + " 2>&1";
  const int rc = std::system(command.c_str());
  std::ifstream in(out);
  EXPECT_EQ(rc, 0) << command << "\n" << std::ifstream(log).rdbuf();
  return rc == 0 ? nlohmann::json::parse(in) : nlohmann::json();
}

// Variance of the pixels' grey values (0 for a blank picture).
double GreyVariance(const RgbImage& image) {
  double sum = 0, sum2 = 0;
  const size_t pixels = image.rgb.size() / 3;
  for (size_t p = 0; p < pixels; ++p) {
    const double grey = (image.rgb[3 * p] + image.rgb[3 * p + 1] + image.rgb[3 * p + 2]) / 3.0;
    sum += grey;
    sum2 += grey * grey;
  }
  const double mean = sum / static_cast<double>(pixels);
  return sum2 / static_cast<double>(pixels) - mean * mean;
}

TEST_F(DashboardApiTest, SummaryAgreesWithNibabel) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  constexpr int kBins = 200;
  const nlohmann::json truth = NibabelSummary(scratch_.path(), kBins);
  ASSERT_TRUE(truth.is_object());
  const auto started = std::chrono::steady_clock::now();
  auto response = HttpRequest(server->endpoint(), "GET",
                              "/api/datasets/abdomen/summary?bins=" + std::to_string(kBins));
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  ASSERT_EQ(response->status, 200) << response->body;
  RecordProperty("summary_ms", std::to_string(ms));
  const nlohmann::json s = nlohmann::json::parse(response->body);

  EXPECT_EQ(s["id"], "abdomen");
  EXPECT_EQ(s["dimensions"], truth["shape"]);
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(s["spacing_mm"][a].get<double>(), 3.0, 1e-6);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(s["bounds_mm"]["min"][a].get<double>(), truth["bounds_min"][a].get<double>(), 1e-3);
    EXPECT_NEAR(s["bounds_mm"]["max"][a].get<double>(), truth["bounds_max"][a].get<double>(), 1e-3);
    const double center =
        (truth["bounds_min"][a].get<double>() + truth["bounds_max"][a].get<double>()) / 2;
    EXPECT_NEAR(s["center_mm"][a].get<double>(), center, 1e-3);
  }

  EXPECT_EQ(s["hu_range"], truth["hu_range"]);
  const nlohmann::json& histogram = s["histogram"];
  EXPECT_EQ(histogram["first_hu"], truth["hu_range"][0]);
  const double range = truth["hu_range"][1].get<double>() - truth["hu_range"][0].get<double>() + 1;
  EXPECT_NEAR(histogram["bin_width_hu"].get<double>(), range / kBins, 1e-9);
  ASSERT_EQ(histogram["counts"].size(), static_cast<size_t>(kBins));
  int64_t total = 0;
  for (const auto& c : histogram["counts"]) total += c.get<int64_t>();
  EXPECT_EQ(total, truth["voxels"].get<int64_t>());
  EXPECT_EQ(histogram["counts"], truth["histogram"]);

  // Every label nibabel finds, ascending, with its voxels and mL; names from labels.json.
  ASSERT_EQ(s["organs"].size(), truth["labels"].size());
  int previous = 0;
  for (const auto& organ : s["organs"]) {
    const int label = organ["label"].get<int>();
    EXPECT_GT(label, previous);
    previous = label;
    const std::string key = std::to_string(label);
    ASSERT_TRUE(truth["labels"].contains(key)) << label;
    const int64_t voxels = truth["labels"][key].get<int64_t>();
    EXPECT_EQ(organ["voxels"].get<int64_t>(), voxels) << label;
    const double ml = static_cast<double>(voxels) * truth["voxel_ml"].get<double>();
    EXPECT_NEAR(organ["volume_ml"].get<double>(), ml, 1e-6 * ml) << label;
    ASSERT_EQ(organ["color"].size(), 3u);
    for (const auto& channel : organ["color"]) {
      EXPECT_GE(channel.get<double>(), 0);
      EXPECT_LE(channel.get<double>(), 1);
    }
    if (label == kLiverLabel) {
      EXPECT_EQ(organ["name"], "liver");
    }
    if (label == kSpleenLabel) {
      EXPECT_EQ(organ["name"], "spleen");
    }
  }

  // Organs are coloured as the saved settings draw them.
  auto saved = HttpRequest(server->endpoint(), "PUT", "/api/datasets/abdomen/settings",
                           R"({"organs": [{"label": 5, "color": [0, 1, 0]}]})");
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->status, 201) << saved->body;
  const nlohmann::json recoloured =
      JsonBody(HttpRequest(server->endpoint(), "GET", "/api/datasets/abdomen/summary"));
  EXPECT_EQ(recoloured["histogram"]["counts"].size(), 128u);  // the default
  bool liver = false;
  for (const auto& organ : recoloured["organs"]) {
    if (organ["label"] == kLiverLabel) {
      liver = true;
      EXPECT_EQ(organ["color"], nlohmann::json({0, 1, 0}));
    }
  }
  EXPECT_TRUE(liver);
}

TEST_F(DashboardApiTest, SummaryAndThumbnailRefuseBadParametersAndUnknownDatasets) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  const HttpEndpoint e = server->endpoint();
  struct Case {
    std::string target;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"/api/datasets/abdomen/summary?bins=7", 400, "bins"},
      {"/api/datasets/abdomen/summary?bins=1025", 400, "bins"},
      {"/api/datasets/abdomen/summary?bins=many", 400, "bins"},
      {"/api/datasets/abdomen/thumbnail?size=31", 400, "size"},
      {"/api/datasets/abdomen/thumbnail?size=513", 400, "size"},
      {"/api/datasets/abdomen/thumbnail?size=-1", 400, "size"},
      {"/api/datasets/nothing/summary", 404, "nothing"},
      {"/api/datasets/nothing/thumbnail", 404, "nothing"},
      {"/api/datasets/.hidden/thumbnail", 400, ".hidden"},
  };
  for (const Case& c : cases) {
    auto r = HttpRequest(e, "GET", c.target);
    ASSERT_TRUE(r.ok()) << c.target;
    EXPECT_EQ(r->status, c.status) << c.target << ": " << r->body;
    EXPECT_NE(r->body.find(c.says), std::string::npos) << c.target << ": " << r->body;
  }
  // The range ends are accepted.
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/summary?bins=8")->status, 200);
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/summary?bins=1024")->status, 200);
  EXPECT_FALSE(std::filesystem::exists(data_ / ".viscera" / "cache" / "nothing"));
}

TEST_F(DashboardApiTest, ThumbnailsAreCachedPerSettingsVersionAndGoWithTheDataset) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  const HttpEndpoint e = server->endpoint();
  const std::filesystem::path cache = data_ / ".viscera" / "cache" / "abdomen";

  auto first = HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail?size=160");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->content_type, "image/jpeg");
  EXPECT_EQ(first->Header("Cache-Control"), "no-cache");
  auto image = DecodeJpeg(first->body);
  ASSERT_TRUE(image.ok()) << image.error().ToString();
  EXPECT_EQ(image->width, 160);
  EXPECT_EQ(image->height, 160);
  EXPECT_GT(GreyVariance(*image), 100) << "a blank thumbnail";

  // Cached as the file of settings version 0; a second request is that file, not a new render.
  const std::filesystem::path v0 = cache / "thumbnail-v0-160.jpg";
  ASSERT_TRUE(std::filesystem::exists(v0));
  const auto written_at = std::filesystem::last_write_time(v0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto second = HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail?size=160");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(std::filesystem::last_write_time(v0), written_at);
  std::ofstream(v0, std::ios::binary | std::ios::trunc) << "cached bytes";
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail?size=160")->body,
            "cached bytes");

  // The default size, cached beside it.
  auto standard = HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail");
  ASSERT_TRUE(standard.ok());
  auto standard_image = DecodeJpeg(standard->body);
  ASSERT_TRUE(standard_image.ok());
  EXPECT_EQ(standard_image->width, 192);
  EXPECT_EQ(standard_image->height, 192);
  EXPECT_TRUE(std::filesystem::exists(cache / "thumbnail-v0-192.jpg"));

  // Saved from a render session looking from behind: a new version, a new picture, the old
  // files removed.
  auto client = RenderClient::Open(e, "abdomen");
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(R"({"type": "view", "id": 1, "view": "posterior"})").ok());
  ASSERT_TRUE(client->Send(R"({"type": "save", "id": 2, "note": "from behind"})").ok());
  auto saved = client->WaitForText("saved");
  ASSERT_TRUE(saved.ok()) << saved.error().ToString() << "\n" << server->Log();
  ASSERT_EQ((*saved)["version"], 1);
  auto after = HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail?size=160");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->status, 200) << after->body;
  auto posterior = DecodeJpeg(after->body);
  ASSERT_TRUE(posterior.ok());
  EXPECT_GT(GreyVariance(*posterior), 100) << "a blank thumbnail";
  EXPECT_GT(MeanImageDifference(*posterior, *image), 5) << "the same view as before";
  EXPECT_TRUE(std::filesystem::exists(cache / "thumbnail-v1-160.jpg"));
  EXPECT_FALSE(std::filesystem::exists(v0));
  EXPECT_FALSE(std::filesystem::exists(cache / "thumbnail-v0-192.jpg"));

  // Deleted with the dataset (while the session still shows it). Another dataset imported under
  // the id gets its own picture and summary, never the old ones.
  ASSERT_EQ(HttpRequest(e, "DELETE", "/api/datasets/abdomen")->status, 204);
  EXPECT_FALSE(std::filesystem::exists(cache));
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail")->status, 404);
  EXPECT_EQ(HttpRequest(e, "GET", "/api/datasets/abdomen/summary")->status, 404);
  std::filesystem::create_directories(cache);  // as if left over: the import must clear it
  std::ofstream(cache / "thumbnail-v0-160.jpg") << "stale";
  auto imported =
      HttpUpload(e, "POST", "/api/datasets?id=abdomen",
                 SharedData("totalseg-example/example_ct_sm.nii.gz"), "application/octet-stream");
  ASSERT_TRUE(imported.ok());
  ASSERT_EQ(imported->status, 201) << imported->body;
  auto again = HttpRequest(e, "GET", "/api/datasets/abdomen/thumbnail?size=160");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->status, 200) << again->body;
  auto fresh = DecodeJpeg(again->body);
  ASSERT_TRUE(fresh.ok()) << again->body.substr(0, 40);
  EXPECT_EQ(fresh->width, 160);
  EXPECT_GT(MeanImageDifference(*fresh, *image), 5);
  const nlohmann::json summary = JsonBody(HttpRequest(e, "GET", "/api/datasets/abdomen/summary"));
  EXPECT_EQ(summary["dimensions"], nlohmann::json({122, 101, 30}));
  EXPECT_TRUE(summary["organs"].empty()) << summary["organs"].dump();
}

}  // namespace
}  // namespace viscera::testing
