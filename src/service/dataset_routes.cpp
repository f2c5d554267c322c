// The dataset service's REST API over the catalog.
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "control/settings_json.h"
#include "core/log.h"
#include "datasets/dataset_catalog.h"
#include "service/scene_source.h"
#include "service/scene_summary.h"
#include "service/service_routes.h"
#include "service/thumbnails.h"

namespace viscera {

namespace {

nlohmann::json RecordJson(const DatasetRecord& r) {
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& [id, name] : r.labels) labels.push_back({{"id", id}, {"name", name}});
  return {{"id", r.id},
          {"name", r.name},
          {"modality", r.modality},
          {"size_bytes", r.size_bytes},
          {"dimensions", r.dimensions},
          {"spacing_mm", r.spacing_mm},
          {"labels", labels},
          {"created", r.created},
          {"settings_version", r.settings_version}};
}

nlohmann::json VersionJson(const SettingsVersion& v) {
  return {{"version", v.version}, {"created", v.created}, {"note", v.note}};
}

Expected<int64_t> ParseVersion(const std::string& text) {
  return ParseIntegerParameter("version", text, 1, int64_t{1} << 50);
}

// Validates settings through the control layer, then stores them as a new version (with Clara's
// file for the folder, which needs the CT's geometry and HU range).
Expected<int64_t> SaveValidated(DatasetRoutesContext& c, const std::string& id,
                                const nlohmann::json& settings_json, const std::string& note) {
  VISCERA_ASSIGN_OR_RETURN(RenderSettings settings, SettingsFromJson(settings_json));
  VISCERA_ASSIGN_OR_RETURN(std::shared_ptr<const Scene> scene, c.scenes.Open(id));
  return c.scenes.Save(*scene, settings, note);
}

ApiReply SettingsVersionReply(const SettingsVersion& v) {
  nlohmann::json body = VersionJson(v);
  nlohmann::json settings = nlohmann::json::parse(v.settings_json, nullptr, false);
  if (settings.is_discarded()) {
    return ErrorReply(500, "corrupt-data", "stored settings version is not JSON");
  }
  body["settings"] = std::move(settings);
  return JsonReply(200, JsonText(body));
}

// Logs an import's stages at every quarter.
std::function<void(const std::string&, double)> ImportProgressLog(const std::string& id) {
  return [id, last = std::make_shared<int>(-1)](const std::string& stage, double fraction) {
    const int percent = static_cast<int>(fraction * 100);
    if (percent / 25 != *last / 25) {
      *last = percent;
      LogInfo("import " + id + ": " + stage + " " + std::to_string(percent) + "%");
    }
  };
}

}  // namespace

void AddDatasetRoutes(Router& router, DatasetRoutesContext context) {
  auto c = std::make_shared<DatasetRoutesContext>(context);

  router.Add("GET", "/api/datasets", [c](ApiRequest&) {
    nlohmann::json list = nlohmann::json::array();
    for (const DatasetRecord& r : c->catalog.List()) list.push_back(RecordJson(r));
    return JsonReply(200, JsonText(nlohmann::json{{"datasets", list}}));
  });

  router.Add("POST", "/api/datasets", [c](ApiRequest& request) {
    ImportRequest import;
    import.id = request.Query("id");
    if (import.id.empty()) import.id = request.Query("name");
    if (request.body_file.empty()) {
      return ErrorReply(400, "invalid-argument", "the upload has no body");
    }
    if (Status valid = ValidateDatasetId(import.id); !valid.ok()) return ErrorReply(valid.error());
    import.upload = request.body_file;
    import.model_dir = c->model_dir;
    import.progress = ImportProgressLog(import.id);
    auto record = c->catalog.Import(import);
    if (!record.ok()) {
      LogWarning("import " + import.id + " refused: " + record.error().ToString());
      return ErrorReply(record.error());
    }
    c->scenes.Forget(record->id);
    ApiReply reply = JsonReply(201, JsonText(RecordJson(*record)));
    reply.headers.emplace_back("Location", "/api/datasets/" + record->id);
    return reply;
  });

  router.Add("GET", "/api/datasets/{id}", [c](ApiRequest& request) {
    auto record = c->catalog.Get(request.path_params["id"]);
    return record.ok() ? JsonReply(200, JsonText(RecordJson(*record))) : ErrorReply(record.error());
  });

  router.Add("DELETE", "/api/datasets/{id}", [c](ApiRequest& request) {
    const std::string id = request.path_params["id"];
    if (Status deleted = c->catalog.Delete(id); !deleted.ok()) return ErrorReply(deleted.error());
    c->scenes.Forget(id);
    LogInfo("dataset " + id + " deleted");
    ApiReply reply = JsonReply(204, "");
    reply.content_type = "text/plain";
    return reply;
  });

  router.Add("GET", "/api/datasets/{id}/settings", [c](ApiRequest& request) {
    auto latest = c->catalog.GetSettings(request.path_params["id"], 0);
    return latest.ok() ? SettingsVersionReply(*latest) : ErrorReply(latest.error());
  });

  router.Add("PUT", "/api/datasets/{id}/settings", [c](ApiRequest& request) {
    const std::string id = request.path_params["id"];
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return ErrorReply(400, "invalid-argument",
                        "body must be a JSON object {\"settings\": {...}}");
    }
    // Either {"settings": {...}, "note": "..."} or the settings object itself.
    const bool wrapped = body.contains("settings") && body["settings"].is_object();
    std::string note;
    if (wrapped && body.contains("note")) {
      if (!body["note"].is_string() || body["note"].get<std::string>().size() > 500) {
        return ErrorReply(400, "invalid-argument", "note: must be a string of at most 500 chars");
      }
      note = body["note"].get<std::string>();
    }
    auto version = SaveValidated(*c, id, wrapped ? body["settings"] : body, note);
    if (!version.ok()) return ErrorReply(version.error());
    return JsonReply(201, JsonText(nlohmann::json{{"version", *version}}));
  });

  router.Add("GET", "/api/datasets/{id}/settings/versions", [c](ApiRequest& request) {
    auto versions = c->catalog.ListSettings(request.path_params["id"]);
    if (!versions.ok()) return ErrorReply(versions.error());
    nlohmann::json list = nlohmann::json::array();
    for (const SettingsVersion& v : *versions) list.push_back(VersionJson(v));
    return JsonReply(200, JsonText(nlohmann::json{{"versions", list}}));
  });

  router.Add("GET", "/api/datasets/{id}/settings/versions/{version}", [c](ApiRequest& request) {
    auto version = ParseVersion(request.path_params["version"]);
    if (!version.ok()) return ErrorReply(version.error());
    auto v = c->catalog.GetSettings(request.path_params["id"], *version);
    return v.ok() ? SettingsVersionReply(*v) : ErrorReply(v.error());
  });

  router.Add("POST", "/api/datasets/{id}/settings/versions/{version}/restore",
             [c](ApiRequest& request) {
               const std::string id = request.path_params["id"];
               auto version = ParseVersion(request.path_params["version"]);
               if (!version.ok()) return ErrorReply(version.error());
               auto old = c->catalog.GetSettings(id, *version);
               if (!old.ok()) return ErrorReply(old.error());
               nlohmann::json settings = nlohmann::json::parse(old->settings_json, nullptr, false);
               auto restored =
                   SaveValidated(*c, id, settings, "restored version " + std::to_string(*version));
               if (!restored.ok()) return ErrorReply(restored.error());
               return JsonReply(201, JsonText(nlohmann::json{{"version", *restored}}));
             });

  router.Add("GET", "/api/datasets/{id}/export", [c](ApiRequest& request) {
    static std::atomic<int64_t> counter{0};
    const std::string id = request.path_params["id"];
    const std::filesystem::path zip =
        c->scratch_dir / ("export-" + std::to_string(counter++) + "-" + id + ".zip");
    if (Status written = c->catalog.ExportZip(id, zip); !written.ok()) {
      return ErrorReply(written.error());
    }
    ApiReply reply;
    reply.content_type = "application/zip";
    reply.file = zip;
    reply.delete_file_after = true;
    reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + id + ".zip\"");
    return reply;
  });

  router.Add("GET", "/api/datasets/{id}/summary", [c](ApiRequest& request) {
    auto bins =
        IntegerQuery(request, "bins", kDefaultHistogramBins, kMinHistogramBins, kMaxHistogramBins);
    if (!bins.ok()) return ErrorReply(bins.error());
    auto scene = c->scenes.Open(request.path_params["id"]);
    if (!scene.ok()) return ErrorReply(scene.error());
    auto start = c->scenes.Starting(**scene);  // organs are coloured as the dataset is shown
    if (!start.ok()) return ErrorReply(start.error());
    const SceneSummary summary = SummarizeScene(**scene, start->settings, static_cast<int>(*bins));
    return JsonReply(200, JsonText(SceneSummaryJson(summary)));
  });

  router.Add("GET", "/api/datasets/{id}/thumbnail", [c](ApiRequest& request) {
    auto size =
        IntegerQuery(request, "size", kDefaultThumbnailSize, kMinThumbnailSize, kMaxThumbnailSize);
    if (!size.ok()) return ErrorReply(size.error());
    auto jpeg =
        DatasetThumbnail(c->catalog, c->scenes, request.path_params["id"], static_cast<int>(*size));
    if (!jpeg.ok()) return ErrorReply(jpeg.error());
    ApiReply reply;
    reply.content_type = "image/jpeg";
    reply.body = std::move(*jpeg);
    reply.headers.emplace_back("Cache-Control", "no-cache");
    return reply;
  });
}

}  // namespace viscera
