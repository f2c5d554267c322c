// Where render sessions get their datasets: loaded once and shared by every session on the same
// dataset (the volume is the big part: sessions hold a shared_ptr, the cache a weak one), from the
// local catalog when this process also runs the dataset role, or over HTTP from a separate dataset
// service (export zip -> temporary folder -> loaded -> removed).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "client/http_client.h"
#include "core/expected.h"
#include "render/render_settings.h"
#include "render/render_volume.h"

namespace viscera {

class DatasetCatalog;

// One dataset ready to render.
struct Scene {
  std::string dataset_id;
  std::shared_ptr<const RenderVolume> volume;
  double min_hu = 0, max_hu = 0;  // Clara normalises densities over these
  std::vector<std::pair<uint16_t, std::string>> label_names;  // ids present, names where known
  std::string clara_settings_json;  // the folder's config_render.json ("" when none)
};

// The settings a session starts from: the latest saved version, else the folder's Clara file,
// else defaults (soft tissue with organ colours, anterior camera, a key light).
struct StartingSettings {
  RenderSettings settings;
  int64_t version = 0;  // 0: never saved
};

class SceneSource {
 public:
  virtual ~SceneSource() = default;
  // The shared scene; loads it when no session holds it.
  Expected<std::shared_ptr<const Scene>> Open(const std::string& dataset_id);
  // Scenes held by at least one session, and the bytes their volumes hold: one copy per dataset
  // however many sessions show it.
  struct Loaded {
    int64_t scenes = 0, bytes = 0;
  };
  Loaded LoadedScenes();
  // Forgets the shared scene of a dataset that was deleted or imported anew, so the next Open
  // loads the folder as it is now; sessions still showing the old one keep it.
  void Forget(const std::string& dataset_id);
  virtual Expected<StartingSettings> Starting(const Scene& scene) = 0;
  // A new saved version: Viscera's settings JSON (the store's truth) and Clara's file for the
  // folder.
  virtual Expected<int64_t> Save(const Scene& scene, const RenderSettings& settings,
                                 const std::string& note) = 0;

 protected:
  virtual Expected<std::shared_ptr<Scene>> Load(const std::string& dataset_id) = 0;

 private:
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<const Scene>> loaded_;
  std::map<std::string, std::shared_ptr<std::mutex>> loading_;  // one load per dataset at a time
};

std::unique_ptr<SceneSource> MakeLocalSceneSource(DatasetCatalog& catalog);
std::unique_ptr<SceneSource> MakeRemoteSceneSource(HttpEndpoint datasets,
                                                   std::filesystem::path scratch_dir);

// The defaults for a scene without saved settings (used by Starting()).
RenderSettings DefaultSceneSettings(const Scene& scene);
// A Scene from a Clara dataset folder (labels named by `names`, may be empty).
Expected<std::shared_ptr<Scene>> LoadSceneFolder(
    const std::string& dataset_id, const std::filesystem::path& folder,
    std::vector<std::pair<uint16_t, std::string>> names);

}  // namespace viscera
