#include "webhook/review.h"

#include <functional>

#include <gtest/gtest.h>

namespace tidal::webhook {
namespace {

Json validReview() {
  return Json::parse(R"({
    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
    "request": {
      "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
      "kind": {"group": "keda.sh", "version": "v1alpha1", "kind": "ScaledObject"},
      "operation": "UPDATE", "name": "web", "namespace": "shop", "dryRun": true,
      "object": {"metadata": {"name": "web"}}, "oldObject": {"metadata": {"name": "web"}}
    }})");
}

TEST(ParseAdmissionReview, ReadsTheRequestFields) {
  auto r = parseAdmissionReview(validReview());
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->reviewApiVersion, "admission.k8s.io/v1");
  EXPECT_EQ(r->uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r->kind.group, "keda.sh");
  EXPECT_EQ(r->kind.version, "v1alpha1");
  EXPECT_EQ(r->kind.kind, "ScaledObject");
  EXPECT_EQ(r->operation, "UPDATE");
  EXPECT_EQ(r->name, "web");
  EXPECT_EQ(r->namespace_, "shop");
  EXPECT_TRUE(r->dryRun);
  EXPECT_TRUE(r->object.is_object());
  EXPECT_TRUE(r->oldObject.is_object());
}

TEST(ParseAdmissionReview, RefusesWhatIsNotAReviewNamingTheField) {
  struct Case {
    const char* name;
    std::function<void(Json&)> breakIt;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"not an object", [](Json& j) { j = Json::array(); }, "expected a JSON object"},
      {"other apiVersion", [](Json& j) { j["apiVersion"] = "admission.k8s.io/v2"; },
       "apiVersion \"admission.k8s.io/v2\" is not supported"},
      {"other kind", [](Json& j) { j["kind"] = "Pod"; }, "expected an AdmissionReview"},
      {"no request", [](Json& j) { j.erase("request"); }, "AdmissionReview.request is missing"},
      {"no uid", [](Json& j) { j["request"].erase("uid"); }, "request.uid is missing"},
      {"no operation", [](Json& j) { j["request"].erase("operation"); },
       "request.operation is missing"},
  };
  for (const auto& c : cases) {
    Json review = validReview();
    c.breakIt(review);
    auto r = parseAdmissionReview(review);
    ASSERT_FALSE(r.isOk()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

TEST(ParseAdmissionReview, AcceptsV1beta1) {
  Json review = validReview();
  review["apiVersion"] = "admission.k8s.io/v1beta1";
  auto r = parseAdmissionReview(review);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->reviewApiVersion, "admission.k8s.io/v1beta1");
}

TEST(BestEffortFields, FallBackForUnusableReviews) {
  EXPECT_EQ(reviewApiVersionOf(Json("x")), "admission.k8s.io/v1");
  EXPECT_EQ(reviewApiVersionOf(Json{{"apiVersion", "admission.k8s.io/v1beta1"}}),
            "admission.k8s.io/v1beta1");
  EXPECT_EQ(requestUidOf(Json::object()), "");
  EXPECT_EQ(requestUidOf(validReview()), "705ab4f5-6393-11e8-b7cc-42010a800002");
}

TEST(AdmissionReviewResponse, AllowedHasUidAndNoStatus) {
  Json out = admissionReviewResponse("admission.k8s.io/v1", "u1", allow());
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], "u1");
  EXPECT_EQ(out["response"]["allowed"], true);
  EXPECT_FALSE(out["response"].contains("status"));
  EXPECT_FALSE(out["response"].contains("warnings"));
}

TEST(AdmissionReviewResponse, RefusalCarriesStatusAndWarnings) {
  Json out = admissionReviewResponse("admission.k8s.io/v1", "u2", deny("no", {"careful"}));
  const Json& res = out["response"];
  EXPECT_EQ(res["allowed"], false);
  EXPECT_EQ(res["status"]["status"], "Failure");
  EXPECT_EQ(res["status"]["code"], 403);
  EXPECT_EQ(res["status"]["reason"], "Forbidden");
  EXPECT_EQ(res["status"]["message"], "no");
  EXPECT_EQ(res["warnings"], Json::array({"careful"}));
  EXPECT_EQ(badRequest("x").code, 400);
  EXPECT_EQ(internalFailure("x").code, 500);
}

}  // namespace
}  // namespace tidal::webhook
