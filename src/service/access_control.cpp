#include "service/access_control.h"

#include <algorithm>

namespace viscera {

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool IsLoopbackAddress(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

namespace {

// The origin the server itself is reached under ("http://" + Host), which the UI it serves uses.
bool IsSameOrigin(const ApiRequest& request, const std::string& origin) {
  const std::string host = request.Header("host");
  return !host.empty() && (origin == "http://" + host || origin == "https://" + host);
}

bool OriginAllowed(const AccessPolicy& policy, const ApiRequest& request,
                   const std::string& origin) {
  if (origin.empty() || IsSameOrigin(request, origin)) return true;
  return std::find(policy.allowed_origins.begin(), policy.allowed_origins.end(), origin) !=
         policy.allowed_origins.end();
}

// The dashboard's own files (the page and its scripts) hold no data: a browser must load them
// before it can ask the user for the token that every API call then carries.
bool IsDashboardShell(const ApiRequest& request) {
  return (request.method == "GET" || request.method == "HEAD") &&
         (request.path == "/" || request.path.rfind("/ui/", 0) == 0);
}

}  // namespace

void AddCorsHeaders(const AccessPolicy& policy, const ApiRequest& request, ApiReply& reply) {
  const std::string origin = request.Header("origin");
  if (origin.empty() || IsSameOrigin(request, origin) || !OriginAllowed(policy, request, origin)) {
    return;
  }
  reply.headers.emplace_back("Access-Control-Allow-Origin", origin);
  reply.headers.emplace_back("Vary", "Origin");
}

ApiReply Admit(const AccessPolicy& policy, const ApiRequest& request) {
  ApiReply pass;
  pass.status = 0;
  const std::string origin = request.Header("origin");
  // Browsers send Origin on cross-site requests and on every WebSocket: refusing unknown ones
  // stops another site's page from driving a clinician's session.
  if (!OriginAllowed(policy, request, origin)) {
    return ErrorReply(403, "forbidden-origin", "origin " + origin + " is not allowed");
  }
  if (request.method == "OPTIONS") {
    ApiReply preflight;
    preflight.status = 204;
    preflight.content_type = "text/plain";
    preflight.headers = {{"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
                         {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                         {"Access-Control-Max-Age", "600"}};
    AddCorsHeaders(policy, request, preflight);
    return preflight;
  }
  if (policy.token.empty() || request.path == "/healthz" || request.path == "/readyz" ||
      IsDashboardShell(request)) {
    return pass;
  }
  std::string presented;
  const std::string authorization = request.Header("authorization");
  if (authorization.rfind("Bearer ", 0) == 0) {
    presented = authorization.substr(7);
  } else {
    presented = request.Query("access_token");
  }
  if (presented.empty()) {
    ApiReply reply = ErrorReply(401, "unauthorized", "an access token is required");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    return reply;
  }
  if (!ConstantTimeEquals(presented, policy.token)) {
    return ErrorReply(401, "unauthorized", "the access token is not valid");
  }
  return pass;
}

}  // namespace viscera
