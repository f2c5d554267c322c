#include "service/router.h"

namespace viscera {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  // "/a/b/" is "/a/b".
  if (!segments.empty() && segments.back().empty() && segments.size() > 1) segments.pop_back();
  return segments;
}

void Router::Add(std::string method, std::string pattern, RouteHandler handler) {
  Route route{std::move(method), pattern, SplitPath(pattern), std::move(handler)};
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      if (params) (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

ApiReply Router::Handle(ApiRequest& request) const {
  const std::vector<std::string> segments = SplitPath(request.path);
  std::string allowed;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route, segments, &params)) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      request.path_params = std::move(params);
      return route.handler(request);
    }
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (!allowed.empty()) {
    ApiReply reply = ErrorReply(
        405, "method-not-allowed",
        request.method + " is not allowed on " + request.path + " (allowed: " + allowed + ")");
    reply.headers.emplace_back("Allow", allowed);
    return reply;
  }
  return ErrorReply(404, "not-found", "no such resource: " + request.path);
}

bool Router::Has(const std::string& method, const std::string& path) const {
  const std::vector<std::string> segments = SplitPath(path);
  for (const Route& route : routes_) {
    if (route.method == method && Match(route, segments, nullptr)) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

}  // namespace viscera
