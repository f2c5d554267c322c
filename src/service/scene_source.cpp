#include "service/scene_source.h"

#include "service/api_types.h"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>

#include "control/settings_json.h"
#include "core/log.h"
#include "datasets/dataset_catalog.h"
#include "datasets/zip_archive.h"
#include "io/clara_dataset_reader.h"
#include "render/camera_control.h"
#include "render/clara_settings.h"
#include "render/organ_colors.h"
#include "render/presets.h"
#include "render/transfer_table.h"

namespace viscera {

Expected<std::shared_ptr<const Scene>> SceneSource::Open(const std::string& dataset_id) {
  std::shared_ptr<std::mutex> load_mutex;
  {
    std::lock_guard lock(mutex_);
    if (auto scene = loaded_[dataset_id].lock()) return std::shared_ptr<const Scene>(scene);
    auto& slot = loading_[dataset_id];
    if (!slot) slot = std::make_shared<std::mutex>();
    load_mutex = slot;
  }
  // Sessions opening the same dataset at once wait for one load instead of each loading it.
  std::lock_guard load_lock(*load_mutex);
  {
    std::lock_guard lock(mutex_);
    if (auto scene = loaded_[dataset_id].lock()) return std::shared_ptr<const Scene>(scene);
  }
  VISCERA_ASSIGN_OR_RETURN(std::shared_ptr<Scene> scene, Load(dataset_id));
  std::lock_guard lock(mutex_);
  // Forget datasets nobody holds any more (the map stays as small as the open set).
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    it = it->second.expired() ? loaded_.erase(it) : std::next(it);
  }
  loaded_[dataset_id] = scene;
  return std::shared_ptr<const Scene>(scene);
}

SceneSource::Loaded SceneSource::LoadedScenes() {
  std::lock_guard lock(mutex_);
  Loaded loaded;
  for (const auto& [id, weak] : loaded_) {
    if (auto scene = weak.lock()) {
      ++loaded.scenes;
      loaded.bytes += scene->volume->HeldBytes();
    }
  }
  return loaded;
}

void SceneSource::Forget(const std::string& dataset_id) {
  std::lock_guard lock(mutex_);
  loaded_.erase(dataset_id);
}

RenderSettings DefaultSceneSettings(const Scene& scene) {
  RenderSettings s;
  const RenderVolume& volume = *scene.volume;
  TransferFunction preset = *PresetTransferFunction("soft-tissue");
  if (volume.has_labels()) {
    std::array<Color, 256> colors = LabelColors(s);
    for (const auto& [id, name] : scene.label_names) {
      if (id < colors.size() && !name.empty()) colors[id] = AnatomicalColor(name, colors[id]);
    }
    s.transfer_function = OrganTransferFunction(preset, volume.present_labels(), colors);
  } else {
    s.transfer_function = preset;
  }
  s.camera = AnatomicalCamera(volume, AnatomicalView::kAnterior);
  s.lights = {CameraKeyLight(s.camera)};
  return s;
}

Expected<std::shared_ptr<Scene>> LoadSceneFolder(
    const std::string& dataset_id, const std::filesystem::path& folder,
    std::vector<std::pair<uint16_t, std::string>> names) {
  VISCERA_ASSIGN_OR_RETURN(ClaraDatasetFiles files, ReadClaraDataset(folder));
  auto scene = std::make_shared<Scene>();
  scene->dataset_id = dataset_id;
  const auto [lo, hi] =
      std::minmax_element(files.image.voxels().begin(), files.image.voxels().end());
  scene->min_hu = *lo;
  scene->max_hu = *hi;
  scene->clara_settings_json = std::move(files.settings_json);
  VISCERA_ASSIGN_OR_RETURN(scene->volume,
                           RenderVolume::Create(files.image, files.mask ? &*files.mask : nullptr));
  for (uint16_t id : scene->volume->present_labels()) {
    auto named =
        std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == id; });
    scene->label_names.emplace_back(id, named == names.end() ? std::string() : named->second);
  }
  return scene;
}

namespace {

// Settings from a saved version (Viscera JSON), else from Clara's file, else defaults.
Expected<RenderSettings> SettingsFor(const Scene& scene, const std::string& saved_json) {
  if (!saved_json.empty()) {
    nlohmann::json json = nlohmann::json::parse(saved_json, nullptr, false);
    if (json.is_discarded()) {
      return MakeError(ErrorCode::kCorruptData,
                       "saved settings of dataset " + scene.dataset_id + " are not JSON");
    }
    return SettingsFromJson(json);
  }
  if (!scene.clara_settings_json.empty()) {
    return ParseClaraRenderSettings(scene.clara_settings_json, scene.volume->geometry(),
                                    scene.min_hu, scene.max_hu,
                                    scene.dataset_id + "/config_render.json");
  }
  return DefaultSceneSettings(scene);
}

class LocalSceneSource : public SceneSource {
 public:
  explicit LocalSceneSource(DatasetCatalog& catalog) : catalog_(catalog) {}

  Expected<StartingSettings> Starting(const Scene& scene) override {
    StartingSettings start;
    std::string saved;
    auto latest = catalog_.GetSettings(scene.dataset_id, 0);
    if (latest.ok()) {
      saved = latest->settings_json;
      start.version = latest->version;
    } else if (latest.error().code != ErrorCode::kNotFound) {
      return latest.error();
    }
    VISCERA_ASSIGN_OR_RETURN(start.settings, SettingsFor(scene, saved));
    return start;
  }

  Expected<int64_t> Save(const Scene& scene, const RenderSettings& settings,
                         const std::string& note) override {
    // Settings read from a foreign Clara file skip the control layer's ranges; a version that
    // would not load back is refused here, naming the field, rather than stored.
    const nlohmann::json json = SettingsToJson(settings);
    if (auto valid = SettingsFromJson(json); !valid.ok()) return valid.error();
    return catalog_.SaveSettings(
        scene.dataset_id, JsonText(json),
        WriteClaraRenderSettings(settings, scene.volume->geometry(), scene.min_hu, scene.max_hu),
        note);
  }

 protected:
  Expected<std::shared_ptr<Scene>> Load(const std::string& dataset_id) override {
    VISCERA_ASSIGN_OR_RETURN(DatasetRecord record, catalog_.Get(dataset_id));
    VISCERA_ASSIGN_OR_RETURN(std::filesystem::path folder, catalog_.FolderOf(dataset_id));
    return LoadSceneFolder(dataset_id, folder, record.labels);
  }

 private:
  DatasetCatalog& catalog_;
};

std::string UrlPath(const std::string& id) {
  return "/api/datasets/" + id;  // ids are validated plain names: no escaping needed
}

Expected<nlohmann::json> JsonOf(const Expected<HttpResponse>& response, const std::string& what) {
  if (!response.ok()) return response.error();
  if (response->status / 100 != 2) {
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    std::string message = response->body.substr(0, 300);
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
      message = body["error"].value("message", message);
    }
    const ErrorCode code = response->status == 404   ? ErrorCode::kNotFound
                           : response->status == 400 ? ErrorCode::kInvalidArgument
                                                     : ErrorCode::kIoError;
    return MakeError(code, what + ": dataset service answered " + std::to_string(response->status) +
                               ": " + message);
  }
  nlohmann::json json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded()) {
    return MakeError(ErrorCode::kCorruptData, what + ": dataset service sent no JSON");
  }
  return json;
}

class RemoteSceneSource : public SceneSource {
 public:
  RemoteSceneSource(HttpEndpoint datasets, std::filesystem::path scratch)
      : datasets_(std::move(datasets)), scratch_(std::move(scratch)) {}

  Expected<StartingSettings> Starting(const Scene& scene) override {
    const std::string what = "settings of dataset " + scene.dataset_id;
    auto response = HttpRequest(datasets_, "GET", UrlPath(scene.dataset_id) + "/settings");
    StartingSettings start;
    std::string saved;
    if (response.ok() && response->status == 404) {
      // No version saved yet.
    } else {
      VISCERA_ASSIGN_OR_RETURN(nlohmann::json json, JsonOf(response, what));
      start.version = json.value("version", int64_t{0});
      if (json.contains("settings")) saved = JsonText(json["settings"]);
    }
    VISCERA_ASSIGN_OR_RETURN(start.settings, SettingsFor(scene, saved));
    return start;
  }

  Expected<int64_t> Save(const Scene& scene, const RenderSettings& settings,
                         const std::string& note) override {
    nlohmann::json body = {{"settings", SettingsToJson(settings)}, {"note", note}};
    auto response =
        HttpRequest(datasets_, "PUT", UrlPath(scene.dataset_id) + "/settings", JsonText(body));
    VISCERA_ASSIGN_OR_RETURN(nlohmann::json json,
                             JsonOf(response, "saving settings of " + scene.dataset_id));
    return json.value("version", int64_t{0});
  }

 protected:
  Expected<std::shared_ptr<Scene>> Load(const std::string& dataset_id) override {
    const std::string what = "dataset " + dataset_id;
    VISCERA_ASSIGN_OR_RETURN(nlohmann::json record,
                             JsonOf(HttpRequest(datasets_, "GET", UrlPath(dataset_id)), what));
    std::vector<std::pair<uint16_t, std::string>> names;
    if (record.contains("labels") && record["labels"].is_array()) {
      for (const auto& label : record["labels"]) {
        if (label.is_object() && label.contains("id") && label["id"].is_number_unsigned()) {
          names.emplace_back(label["id"].get<uint16_t>(), label.value("name", ""));
        }
      }
    }
    const std::string stem = dataset_id + "-" + std::to_string(counter_++);
    const std::filesystem::path zip = scratch_ / (stem + ".zip");
    const std::filesystem::path folder = scratch_ / stem;
    struct Cleanup {
      std::filesystem::path zip, folder;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove(zip, ec);
        std::filesystem::remove_all(folder, ec);
      }
    } cleanup{zip, folder};
    VISCERA_RETURN_IF_ERROR(HttpDownload(datasets_, UrlPath(dataset_id) + "/export", zip));
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    VISCERA_RETURN_IF_ERROR(ExtractZipSafely(zip, folder));
    return LoadSceneFolder(dataset_id, folder, std::move(names));
  }

 private:
  HttpEndpoint datasets_;
  std::filesystem::path scratch_;
  std::atomic<int64_t> counter_{0};
};

}  // namespace

std::unique_ptr<SceneSource> MakeLocalSceneSource(DatasetCatalog& catalog) {
  return std::make_unique<LocalSceneSource>(catalog);
}

std::unique_ptr<SceneSource> MakeRemoteSceneSource(HttpEndpoint datasets,
                                                   std::filesystem::path scratch_dir) {
  return std::make_unique<RemoteSceneSource>(std::move(datasets), std::move(scratch_dir));
}

}  // namespace viscera
