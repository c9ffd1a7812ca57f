#include "controller/auth_controller.h"

#include <gtest/gtest.h>

namespace tidal::controller {
namespace {

api::ScaleTrigger trigger(std::string name, std::string kind) {
  api::ScaleTrigger t;
  t.type = "rabbitmq";
  if (!name.empty()) t.authenticationRef = api::AuthenticationRef{.name = name, .kind = kind};
  return t;
}

TEST(AuthControllerTest, KeysOfReferencedAuthentications) {
  EXPECT_EQ(AuthController::keyForTrigger(trigger("ta", ""), "shop"), "shop/ta");
  EXPECT_EQ(AuthController::keyForTrigger(trigger("ta", "TriggerAuthentication"), "shop"),
            "shop/ta");
  EXPECT_EQ(AuthController::keyForTrigger(trigger("cta", "ClusterTriggerAuthentication"), "shop"),
            "/cta");
  EXPECT_EQ(AuthController::keyForTrigger(trigger("", ""), "shop"), "");

  api::TriggerAuthentication ta;
  ta.metadata.name = "ta";
  ta.metadata.namespace_ = "shop";
  EXPECT_EQ(AuthController::keyOf(ta), "shop/ta");
  ta.clusterScoped = true;
  ta.metadata.namespace_.clear();
  EXPECT_EQ(AuthController::keyOf(ta), "/ta");
}

}  // namespace
}  // namespace tidal::controller
