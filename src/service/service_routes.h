// The HTTP routes of each role, registered on a Router. Each handler runs on the handler pool.
#pragma once

#include <filesystem>
#include <string>

#include "service/router.h"

namespace viscera {

class DatasetCatalog;
class SceneSource;
class SessionRegistry;
class RenderScheduler;
class VoiceCommands;

struct DatasetRoutesContext {
  DatasetCatalog& catalog;
  SceneSource& scenes;  // to write Clara's settings file on a save (needs the CT's geometry)
  std::filesystem::path scratch_dir;
  std::filesystem::path model_dir;
};

// /api/datasets, /api/datasets/{id}, .../settings, .../settings/versions[/{version}[/restore]],
// .../export, and for dashboards .../summary (service/scene_summary.h) and .../thumbnail
// (service/thumbnails.h).
void AddDatasetRoutes(Router& router, DatasetRoutesContext context);

// GET / and /ui/...: files under ui_dir (no path leaves it), else a minimal built-in page.
void AddUiRoutes(Router& router, std::filesystem::path ui_dir);

struct VoiceRoutesContext {
  VoiceCommands& voice;
  SessionRegistry* sessions = nullptr;  // null without the render role
  RenderScheduler* scheduler = nullptr;
  SceneSource* scenes = nullptr;
};

// GET /<project>/process_query?query=<text>[&dataset=<id>][&session=<id>]: the reference's
// dialog-manager endpoint (intent, slots, confidence, reply). With a session the command is also
// applied to that open render session (its dashboard sees the change).
void AddVoiceRoutes(Router& router, VoiceRoutesContext context);

// The OpenAPI 3 document served at /api/openapi.json (src/service/openapi.json, built in).
const std::string& OpenApiDocument();

}  // namespace viscera
