// viscera serve: the render service, dataset service and UI in one process (or some of them).
#include <pthread.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cmd/commands.h"
#include "cmd/read_options.h"
#include "core/log.h"
#include "io/atomic_file.h"
#include "service/service.h"

namespace viscera::cmd {

namespace {

struct Flags {
  std::string data_dir;
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string roles = "render,datasets,ui";
  std::string token;
  std::string ui_dir;
  std::string datasets_url;
  std::string model_dir;
  std::vector<std::string> allowed_origins;
  std::string port_file;
  int64_t max_upload_mb = 4096;
  int io_threads = 1;
  std::string intents_file;
  std::string project = "viscera";
};

Status ParseRoles(const std::string& text, ServiceOptions& options) {
  options.render_role = options.datasets_role = options.ui_role = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string role = text.substr(start, end - start);
    if (role == "render") {
      options.render_role = true;
    } else if (role == "datasets") {
      options.datasets_role = true;
    } else if (role == "ui") {
      options.ui_role = true;
    } else {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "--roles takes render, datasets and ui separated by commas; got '" + role + "'");
    }
    start = end + 1;
  }
  return Ok{};
}

// --ui-dir, else $VISCERA_UI_DIR, else the dashboard this build made (web/, when npm was there);
// empty: the service shows its minimal page.
std::filesystem::path DashboardFolder(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("VISCERA_UI_DIR"); env && *env) return env;
  const std::filesystem::path built = VISCERA_DEFAULT_UI_DIR;
  std::error_code ec;
  if (std::filesystem::is_regular_file(built / "index.html", ec)) return built;
  return {};
}

Status Run(const Flags& flags) {
  ServiceOptions options;
  VISCERA_RETURN_IF_ERROR(ParseRoles(flags.roles, options));
  if (options.datasets_role && flags.data_dir.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the datasets role needs --data DIR");
  }
  options.data_dir = flags.data_dir;
  options.bind_address = flags.bind;
  options.port = flags.port;
  options.token = flags.token;
  if (options.token.empty()) {
    if (const char* env = std::getenv("VISCERA_TOKEN")) options.token = env;
  }
  options.ui_dir = DashboardFolder(flags.ui_dir);
  options.datasets_url = flags.datasets_url;
  options.model_dir = flags.model_dir;
  options.allowed_origins = flags.allowed_origins;
  options.max_upload_bytes = flags.max_upload_mb << 20;
  options.io_threads = flags.io_threads;
  options.intents_file = flags.intents_file;
  options.project = flags.project;

  // Every thread inherits the blocked signals; this one waits for them and drains the service.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  VISCERA_ASSIGN_OR_RETURN(std::unique_ptr<Service> service, Service::Start(options));
  const int port = service->port();
  if (!flags.port_file.empty()) {
    VISCERA_RETURN_IF_ERROR(WriteFileAtomically(flags.port_file, std::to_string(port) + "\n"));
  }
  const std::string host =
      flags.bind.find(':') != std::string::npos ? "[" + flags.bind + "]" : flags.bind;
  std::cout << "viscera: serving http://" << host << ":" << port << "/ (roles " << flags.roles
            << "; Ctrl-C to stop)" << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  LogInfo(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") +
          ": draining sessions");
  service->Stop();
  LogInfo("stopped");
  return Ok{};
}

}  // namespace

void RegisterServe(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<Flags>();
  CLI::App* command =
      app.add_subcommand("serve", "Serve datasets and live rendering over HTTP and WebSocket");
  command->add_option("--data", flags->data_dir,
                      "Folder of Clara datasets (one folder per dataset; the datasets role)");
  command->add_option("--port", flags->port, "TCP port (0: any free port); default 8080")
      ->check(CLI::Range(0, 65535));
  command->add_option("--bind", flags->bind,
                      "Address to listen on (default 127.0.0.1; elsewhere needs --token)");
  command->add_option("--roles", flags->roles,
                      "Any of render,datasets,ui (default all three in one process)");
  command->add_option("--token", flags->token,
                      "Access token required on every request (default $VISCERA_TOKEN)");
  command->add_option("--ui-dir", flags->ui_dir,
                      "The dashboard's built files (the ui role; default $VISCERA_UI_DIR, else "
                      "this build's web/dist)");
  command->add_option("--datasets-url", flags->datasets_url,
                      "http://host:port of the dataset service (render role alone)");
  command->add_option("--model", flags->model_dir,
                      "Segment uploaded images without labels with this model folder");
  command->add_option("--allow-origin", flags->allowed_origins,
                      "Browser origin allowed besides the server's own (repeatable)");
  command->add_option("--port-file", flags->port_file, "Write the port here once listening");
  command->add_option("--max-upload-mb", flags->max_upload_mb, "Largest upload (default 4096)")
      ->check(CLI::Range(1, 1 << 20));
  command->add_option("--io-threads", flags->io_threads, "Network threads (default 1)")
      ->check(CLI::Range(1, 64));
  command->add_option("--intents", flags->intents_file,
                      "Voice and text command intents (JSON; default $VISCERA_INTENTS, else "
                      "data/voice/intents.json)");
  command->add_option("--project", flags->project,
                      "Project name in GET /<project>/process_query (default viscera)");
  command->callback([flags, exit_code] {
    Status status = Run(*flags);
    if (!status) *exit_code = ReportError(status.error());
  });
}

}  // namespace viscera::cmd
