#include "service/access_control.h"

#include <gtest/gtest.h>

#include "service/api_types.h"
#include "service/router.h"

namespace viscera {
namespace {

ApiRequest Request(const std::string& method, const std::string& path) {
  ApiRequest r;
  r.method = method;
  r.path = path;
  r.headers["host"] = "viscera.example:8080";
  return r;
}

TEST(AccessControlTest, TokenFromHeaderOrQueryAndProbesOpen) {
  AccessPolicy policy{"tok", {}};
  EXPECT_EQ(Admit(policy, Request("GET", "/api/datasets")).status, 401);
  ApiRequest header = Request("GET", "/api/datasets");
  header.headers["authorization"] = "Bearer tok";
  EXPECT_EQ(Admit(policy, header).status, 0);
  ApiRequest query = Request("GET", "/api/render");
  query.query["access_token"] = "tok";
  EXPECT_EQ(Admit(policy, query).status, 0);
  query.query["access_token"] = "tok2";
  EXPECT_EQ(Admit(policy, query).status, 401);
  EXPECT_EQ(Admit(policy, Request("GET", "/healthz")).status, 0);
  EXPECT_EQ(Admit(AccessPolicy{}, Request("GET", "/api/datasets")).status, 0);
}

TEST(AccessControlTest, DashboardFilesAreOpenButNotTheApiOrOtherMethods) {
  AccessPolicy policy{"tok", {}};
  EXPECT_EQ(Admit(policy, Request("GET", "/")).status, 0);
  EXPECT_EQ(Admit(policy, Request("GET", "/ui/assets/index.js")).status, 0);
  EXPECT_EQ(Admit(policy, Request("POST", "/ui/assets/index.js")).status, 401);
  EXPECT_EQ(Admit(policy, Request("GET", "/uix")).status, 401);
  EXPECT_EQ(Admit(policy, Request("GET", "/metrics")).status, 401);
  EXPECT_EQ(Admit(policy, Request("GET", "/api/datasets/abdomen/thumbnail")).status, 401);
}

TEST(AccessControlTest, OnlyTheOwnOriginAndListedOriginsPass) {
  AccessPolicy policy{"", {"https://pacs.example"}};
  ApiRequest same = Request("GET", "/api/datasets");
  same.headers["origin"] = "http://viscera.example:8080";
  EXPECT_EQ(Admit(policy, same).status, 0);
  ApiRequest listed = same;
  listed.headers["origin"] = "https://pacs.example";
  EXPECT_EQ(Admit(policy, listed).status, 0);
  ApiReply reply;
  AddCorsHeaders(policy, listed, reply);
  ASSERT_EQ(reply.headers.size(), 2u);
  EXPECT_EQ(reply.headers[0].second, "https://pacs.example");
  ApiRequest evil = same;
  evil.headers["origin"] = "https://evil.example";
  EXPECT_EQ(Admit(policy, evil).status, 403);
  ApiRequest preflight = listed;
  preflight.method = "OPTIONS";
  EXPECT_EQ(Admit(policy, preflight).status, 204);
}

TEST(AccessControlTest, LoopbackAndConstantTimeCompare) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackAddress("10.1.2.3"));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(ApiTypesTest, PercentDecodingAndQueries) {
  EXPECT_EQ(*PercentDecode("/a%20b", false), "/a b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%2", false).ok());
  EXPECT_FALSE(PercentDecode("%zz", false).ok());
  EXPECT_FALSE(PercentDecode("a%00b", false).ok());
  auto q = ParseQuery("dataset=abd%2Fomen&width=256&flag&x=1&x=2");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("dataset"), "abd/omen");
  EXPECT_EQ(q->at("width"), "256");
  EXPECT_EQ(q->at("flag"), "");
  EXPECT_EQ(q->at("x"), "2");
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kTooLarge), 413);
}

TEST(RouterTest, PathParamsMethodsAndUnknownPaths) {
  Router router;
  router.Add("GET", "/api/datasets/{id}",
             [](ApiRequest& r) { return JsonReply(200, r.path_params["id"]); });
  router.Add("DELETE", "/api/datasets/{id}", [](ApiRequest&) { return JsonReply(204, ""); });
  ApiRequest get = Request("GET", "/api/datasets/abdomen");
  EXPECT_EQ(router.Handle(get).body, "abdomen");
  ApiRequest trailing = Request("GET", "/api/datasets/abdomen/");
  EXPECT_EQ(router.Handle(trailing).status, 200);
  ApiRequest put = Request("PUT", "/api/datasets/abdomen");
  ApiReply refused = router.Handle(put);
  EXPECT_EQ(refused.status, 405);
  ASSERT_FALSE(refused.headers.empty());
  EXPECT_EQ(refused.headers[0].second, "GET, DELETE");
  ApiRequest deeper = Request("GET", "/api/datasets/a/b");
  EXPECT_EQ(router.Handle(deeper).status, 404);
  ApiRequest empty = Request("GET", "/api/datasets/");
  EXPECT_EQ(router.Handle(empty).status, 404);
  EXPECT_TRUE(router.Has("DELETE", "/api/datasets/x"));
  EXPECT_FALSE(router.Has("POST", "/api/datasets/x"));
}

}  // namespace
}  // namespace viscera
