// `viscera serve`: the render service, the dataset service and the UI's static files in one
// process (the default), or any subset of them (--roles) talking to the others over the same
// HTTP API, so each can run as its own container.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/expected.h"

namespace viscera {

struct ServiceOptions {
  std::filesystem::path data_dir;  // datasets role: the Clara dataset folders
  std::string bind_address = "127.0.0.1";
  int port = 8080;  // 0: any free port
  bool render_role = true, datasets_role = true, ui_role = true;
  // Required when bind_address is not loopback (Start refuses otherwise).
  std::string token;
  std::vector<std::string> allowed_origins;  // CORS, besides the server's own origin
  std::filesystem::path ui_dir;              // the dashboard's built files; empty: a minimal page
  std::string datasets_url;                  // render role without the datasets role
  std::filesystem::path model_dir;           // segment uploads without labels; empty: do not
  std::filesystem::path scratch_dir;         // uploads, exports; default data_dir/.viscera/tmp
  int64_t max_upload_bytes = int64_t{4} << 30;
  int io_threads = 1;
  double rescan_seconds = 2;  // how often the data dir is checked for new datasets
  // Voice and text commands: the intents file (empty: DefaultIntentsPath()) and the project name
  // of GET /<project>/process_query.
  std::filesystem::path intents_file;
  std::string project = "viscera";
};

class Service {
 public:
  // Opens the catalog (indexing the data dir), then listens. Errors name what failed.
  static Expected<std::unique_ptr<Service>> Start(ServiceOptions options);
  ~Service();
  int port() const;
  // Drains: refuses new requests, closes sessions ("going away"), finishes requests in flight,
  // stops the render thread. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace viscera
