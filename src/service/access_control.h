// Who may talk to the server: an access token (required when bound off loopback, checked on every
// HTTP and WebSocket request) and which browser origins may call it (CORS). The health probes are
// open so Kubernetes can reach them without the token; they say nothing about data. So are the
// dashboard's static files ("/" and "/ui/..."): the page asks for the token, the API checks it.
#pragma once

#include <string>
#include <vector>

#include "service/api_types.h"

namespace viscera {

struct AccessPolicy {
  std::string token;                         // empty: no token required (loopback only)
  std::vector<std::string> allowed_origins;  // besides the server's own origin
};

// A status-0 reply to let the request through, else the refusal (401, 403, 204 for an allowed
// CORS preflight). The token may come as "Authorization: Bearer <t>" or, for browsers opening
// WebSockets (which cannot set headers), as the query parameter access_token.
ApiReply Admit(const AccessPolicy& policy, const ApiRequest& request);
// Access-Control-Allow-* headers for a reply to an allowed cross-origin request.
void AddCorsHeaders(const AccessPolicy& policy, const ApiRequest& request, ApiReply& reply);
// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackAddress(const std::string& address);
// Compares in time independent of where the strings differ.
bool ConstantTimeEquals(const std::string& a, const std::string& b);

}  // namespace viscera
