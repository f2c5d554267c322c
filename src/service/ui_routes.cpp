// The UI role: the dashboard's built files, served from one folder that no request path leaves.
#include <fstream>
#include <map>

#include "service/service_routes.h"

namespace viscera {

namespace {

const char* ContentTypeOf(const std::filesystem::path& file) {
  static const std::map<std::string, const char*> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".map", "application/json"}};
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// Shown when no dashboard is built: where the API is, so the server is still usable.
constexpr const char* kMinimalPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Viscera</title></head>
<body><h1>Viscera</h1>
<p>The dashboard is not built on this server. The API: <a href="/api/datasets">/api/datasets</a>,
<a href="/api/openapi.json">/api/openapi.json</a>, <a href="/metrics">/metrics</a>.</p>
</body></html>
)";

ApiReply ServeFile(const std::filesystem::path& ui_dir, const std::string& relative) {
  if (ui_dir.empty()) {
    if (relative == "index.html") {
      ApiReply reply = JsonReply(200, kMinimalPage);
      reply.content_type = "text/html; charset=utf-8";
      return reply;
    }
    return ErrorReply(404, "not-found", "no dashboard is built on this server");
  }
  // Every segment must be a plain name: no "..", no hidden files, no absolute paths.
  const std::filesystem::path rel(relative);
  for (const auto& part : rel) {
    const std::string s = part.string();
    if (s.empty() || s == "." || s == ".." || s[0] == '.' || s.find('\\') != std::string::npos) {
      return ErrorReply(404, "not-found", "no such file: /" + relative);
    }
  }
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::canonical(ui_dir, ec);
  const std::filesystem::path file = std::filesystem::weakly_canonical(ui_dir / rel, ec);
  const auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (ec || r != root.end() || !std::filesystem::is_regular_file(file)) {
    return ErrorReply(404, "not-found", "no such file: /" + relative);
  }
  ApiReply reply;
  reply.content_type = ContentTypeOf(file);
  reply.file = file;
  return reply;
}

}  // namespace

void AddUiRoutes(Router& router, std::filesystem::path ui_dir) {
  router.Add("GET", "/", [ui_dir](ApiRequest&) { return ServeFile(ui_dir, "index.html"); });
  for (const char* pattern : {"/ui/{a}", "/ui/{a}/{b}", "/ui/{a}/{b}/{c}"}) {
    router.Add("GET", pattern,
               [ui_dir](ApiRequest& request) { return ServeFile(ui_dir, request.path.substr(4)); });
  }
}

}  // namespace viscera
