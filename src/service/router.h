// Routes are small lambdas keyed by method and a path pattern ("/api/datasets/{id}/settings");
// {name} matches one path segment, handed to the handler in ApiRequest::path_params.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "service/api_types.h"

namespace viscera {

using RouteHandler = std::function<ApiReply(ApiRequest&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, RouteHandler handler);
  // 404 for an unknown path, 405 (with Allow) for a known path and another method.
  ApiReply Handle(ApiRequest& request) const;
  // Whether a route matches (path params left untouched).
  bool Has(const std::string& method, const std::string& path) const;
  // (method, pattern) of every route, for the OpenAPI document's test.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

std::vector<std::string> SplitPath(const std::string& path);

}  // namespace viscera
