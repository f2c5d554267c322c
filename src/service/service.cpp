#include "service/service.h"

#include <condition_variable>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/log.h"
#include "datasets/dataset_catalog.h"
#include "io/atomic_file.h"
#include "service/access_control.h"
#include "service/http_server.h"
#include "service/metrics.h"
#include "service/render_scheduler.h"
#include "service/render_socket.h"
#include "service/router.h"
#include "service/scene_source.h"
#include "service/service_routes.h"
#include "service/task_queue.h"
#include "service/voice_commands.h"

namespace viscera {

namespace {

// A frame dimension from the query (16..4096 px), `fallback` when absent.
Expected<int> ParseDimension(const ApiRequest& request, const std::string& name, int fallback) {
  VISCERA_ASSIGN_OR_RETURN(int64_t value, IntegerQuery(request, name, fallback, 16, 4096));
  return static_cast<int>(value);
}

}  // namespace

struct Service::Impl {
  ServiceOptions options;
  ServiceMetrics metrics;
  AccessPolicy access;
  std::unique_ptr<DatasetCatalog> catalog;
  std::unique_ptr<SceneSource> scenes;
  std::unique_ptr<RenderScheduler> scheduler;
  SessionRegistry registry;
  std::unique_ptr<TaskQueue> slow_work;
  std::unique_ptr<VoiceCommands> voice;
  std::unique_ptr<TaskQueue> voice_work;  // recognition and speech, off the network thread
  Router router;
  std::unique_ptr<HttpServer> server;
  // Notices datasets added to the data dir by other programs (viscera segment -o DIR/name).
  std::thread rescanner;
  std::mutex rescan_mutex;
  std::condition_variable rescan_wake;
  bool stopping = false;

  ApiReply Handle(ApiRequest& request) {
    ApiReply reply = router.Handle(request);
    AddCorsHeaders(access, request, reply);
    return reply;
  }

  Expected<std::shared_ptr<WebSocketHandler>> OpenWebSocket(const ApiRequest& request) {
    if (!scheduler || request.path != "/api/render") {
      return MakeError(ErrorCode::kNotFound, "no WebSocket at " + request.path);
    }
    const std::string dataset = request.Query("dataset");
    if (dataset.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "/api/render needs ?dataset=<id>");
    }
    VISCERA_RETURN_IF_ERROR(ValidateDatasetId(dataset));
    VISCERA_ASSIGN_OR_RETURN(int width, ParseDimension(request, "width", 512));
    VISCERA_ASSIGN_OR_RETURN(int height, ParseDimension(request, "height", 512));
    VISCERA_ASSIGN_OR_RETURN(std::shared_ptr<const Scene> scene, scenes->Open(dataset));
    VISCERA_ASSIGN_OR_RETURN(StartingSettings start, scenes->Starting(*scene));
    auto session = std::make_shared<RenderSession>(RandomHexTag(16), std::move(scene),
                                                   std::move(start), width, height);
    RenderSocketContext context{*scheduler, *scenes, *slow_work,  metrics,
                                registry,   *voice,  *voice_work, {}};
    if (catalog) {
      context.neighbour_dataset = [this](const std::string& current, int step) {
        return NeighbourDataset(current, step);
      };
    }
    return MakeRenderSocket(std::move(session), context);
  }

  // The dataset `step` places after `current` in the catalog's order, wrapping around.
  std::string NeighbourDataset(const std::string& current, int step) {
    const std::vector<DatasetRecord> list = catalog->List();
    if (list.empty()) return "";
    long at = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].id == current) at = static_cast<long>(i);
    }
    const long n = static_cast<long>(list.size());
    return list[static_cast<size_t>(((at + step) % n + n) % n)].id;
  }

  void AddSystemRoutes() {
    router.Add("GET", "/healthz", [](ApiRequest&) {
      ApiReply r = JsonReply(200, "ok\n");
      r.content_type = "text/plain";
      return r;
    });
    router.Add("GET", "/readyz", [this](ApiRequest&) {
      // Listening implies the catalog is open; not ready while draining.
      std::lock_guard lock(rescan_mutex);
      ApiReply r = stopping ? JsonReply(503, "draining\n") : JsonReply(200, "ready\n");
      r.content_type = "text/plain";
      return r;
    });
    router.Add("GET", "/metrics", [this](ApiRequest&) {
      ApiReply r = JsonReply(200, metrics.RenderPrometheus());
      r.content_type = "text/plain; version=0.0.4";
      return r;
    });
    router.Add("GET", "/api/openapi.json",
               [](ApiRequest&) { return JsonReply(200, OpenApiDocument()); });
    if (scheduler) {
      router.Add("GET", "/api/sessions",
                 [this](ApiRequest&) { return JsonReply(200, registry.ListJson()); });
      // The WebSocket itself is answered by OpenWebSocket; a plain GET is told so.
      router.Add("GET", "/api/render", [](ApiRequest&) {
        return ErrorReply(426, "upgrade-required", "/api/render is a WebSocket endpoint");
      });
    }
  }
};

Expected<std::unique_ptr<Service>> Service::Start(ServiceOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!IsLoopbackAddress(options.bind_address) && options.token.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "binding to " + options.bind_address +
                         " (not loopback) requires an access token: --token or VISCERA_TOKEN");
  }
  if (!options.render_role && !options.datasets_role && !options.ui_role) {
    return MakeError(ErrorCode::kInvalidArgument, "no role to serve (render, datasets, ui)");
  }
  if (options.render_role && !options.datasets_role && options.datasets_url.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the render role without the datasets role needs --datasets-url");
  }
  std::error_code ec;
  if (options.datasets_role) {
    if (!std::filesystem::is_directory(options.data_dir)) {
      return MakeError(ErrorCode::kNotFound,
                       "data directory " + options.data_dir.string() + " does not exist");
    }
    VISCERA_ASSIGN_OR_RETURN(impl->catalog, DatasetCatalog::Open(options.data_dir));
    if (options.scratch_dir.empty()) options.scratch_dir = options.data_dir / ".viscera" / "tmp";
  } else if (options.scratch_dir.empty()) {
    options.scratch_dir = std::filesystem::temp_directory_path() / ("viscera-" + RandomHexTag(12));
  }
  std::filesystem::create_directories(options.scratch_dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kIoError, "cannot create scratch directory " +
                                              options.scratch_dir.string() + ": " + ec.message());
  }
  // Leftovers of a previous run (killed mid-upload or mid-export) are not data.
  for (const auto& entry : std::filesystem::directory_iterator(options.scratch_dir, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
  }
  impl->options = options;
  impl->access.token = options.token;
  impl->access.allowed_origins = options.allowed_origins;
  impl->slow_work = std::make_unique<TaskQueue>(1);
  if (impl->catalog) {
    impl->scenes = MakeLocalSceneSource(*impl->catalog);
  } else if (options.render_role) {
    VISCERA_ASSIGN_OR_RETURN(HttpEndpoint endpoint, ParseHttpUrl(options.datasets_url));
    endpoint.token = options.token;
    impl->scenes = MakeRemoteSceneSource(endpoint, options.scratch_dir);
  }
  if (options.render_role) impl->scheduler = std::make_unique<RenderScheduler>(impl->metrics);
  if (impl->scenes) {
    impl->metrics.loaded_volumes = [scenes = impl->scenes.get()] {
      const SceneSource::Loaded loaded = scenes->LoadedScenes();
      return std::make_pair(loaded.scenes, loaded.bytes);
    };
  }
  VISCERA_ASSIGN_OR_RETURN(
      impl->voice, VoiceCommands::Load(
                       options.intents_file.empty() ? DefaultIntentsPath() : options.intents_file,
                       options.project));
  impl->voice_work = std::make_unique<TaskQueue>(1);
  impl->AddSystemRoutes();
  AddVoiceRoutes(impl->router, VoiceRoutesContext{*impl->voice, &impl->registry,
                                                  impl->scheduler.get(), impl->scenes.get()});
  if (options.datasets_role) {
    AddDatasetRoutes(impl->router, DatasetRoutesContext{*impl->catalog, *impl->scenes,
                                                        options.scratch_dir, options.model_dir});
  }
  if (options.ui_role) AddUiRoutes(impl->router, options.ui_dir);

  HttpServerOptions http;
  http.bind_address = options.bind_address;
  http.port = options.port;
  http.io_threads = options.io_threads;
  http.max_upload_bytes = options.max_upload_bytes;
  http.upload_dir = options.scratch_dir;
  Impl* self = impl.get();
  HttpHandlers handlers;
  handlers.admit = [self](const ApiRequest& r) {
    ApiReply reply = Admit(self->access, r);
    // An upload under a bad name is refused before its body is streamed to disk.
    if (reply.status == 0 && self->catalog && r.method == "POST" && r.path == "/api/datasets") {
      const std::string id = r.Query("id").empty() ? r.Query("name") : r.Query("id");
      if (Status valid = ValidateDatasetId(id); !valid.ok()) reply = ErrorReply(valid.error());
    }
    return reply;
  };
  handlers.is_upload = [self](const ApiRequest& r) {
    return self->catalog && r.method == "POST" && r.path == "/api/datasets";
  };
  handlers.handle = [self](ApiRequest& r) { return self->Handle(r); };
  handlers.open_websocket = [self](const ApiRequest& r) { return self->OpenWebSocket(r); };
  handlers.on_done = [self](const ApiRequest& r, int status, double ms, int64_t bytes) {
    self->metrics.CountRequest(status, ms / 1000);
    // The path only: the query may carry an access token. Dataset ids are folder names.
    char line[64];
    std::snprintf(line, sizeof line, " %d %.1f ms %lld B", status, ms,
                  static_cast<long long>(bytes));  // NOLINT(runtime/int)
    Log(status >= 500 ? LogLevel::kWarning : LogLevel::kInfo, r.method + " " + r.path + line);
  };
  VISCERA_ASSIGN_OR_RETURN(impl->server, HttpServer::Start(http, std::move(handlers)));

  if (impl->catalog && options.rescan_seconds > 0) {
    impl->rescanner = std::thread([self] {
      std::unique_lock lock(self->rescan_mutex);
      const auto period = std::chrono::duration<double>(self->options.rescan_seconds);
      while (!self->rescan_wake.wait_for(lock, period, [self] { return self->stopping; })) {
        lock.unlock();
        auto changes = self->catalog->Rescan();
        if (!changes.ok()) LogWarning("rescan: " + changes.error().ToString());
        lock.lock();
      }
    });
  }
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Service::~Service() {
  Stop();
}

int Service::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

void Service::Stop() {
  {
    std::lock_guard lock(impl_->rescan_mutex);
    if (impl_->stopping && !impl_->rescanner.joinable() && !impl_->server) return;
    impl_->stopping = true;
  }
  impl_->rescan_wake.notify_all();
  if (impl_->rescanner.joinable()) impl_->rescanner.join();
  if (impl_->server) impl_->server->Stop();
  impl_->voice_work.reset();  // commands in flight finish (their saves queue on slow_work)
  if (impl_->scheduler) impl_->scheduler->Stop();
  impl_->slow_work.reset();  // finishes saves already accepted
  impl_->server.reset();
}

}  // namespace viscera
