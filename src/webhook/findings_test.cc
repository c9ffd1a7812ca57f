#include "webhook/findings.h"

#include <gtest/gtest.h>

namespace tidal::webhook {
namespace {

TEST(ReasonForIssue, MapsValidationPathsToKedaReasons) {
  struct Case {
    const char* path;
    std::string message;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {"metadata.name",
       "ScaledObject name \"x\" is 64 characters long; it must be at most 63 so that the HPA name "
       "and label values derived from it are valid",
       kReasonNameTooLong},
      {"metadata.name", "the HPA name \"keda-hpa-x\" is 70 characters long", kReasonHpaNameTooLong},
      {"metadata.name", "required field is missing", kReasonInvalidSpec},
      {"spec.advanced.horizontalPodAutoscalerConfig.name", "too long", kReasonHpaNameTooLong},
      {"spec.minReplicaCount", "MinReplicaCount=5 must be less than MaxReplicaCount=2",
       kReasonIncorrectReplicas},
      {"spec.minReplicaCount", std::string(kScaleToZeroMessage), kReasonScaleToZero},
      {"spec.idleReplicaCount", "IdleReplicaCount=1 must be less than MinReplicaCount=1",
       kReasonIncorrectReplicas},
      {"spec.maxReplicaCount", "0 must be greater than or equal to 1", kReasonIncorrectReplicas},
      {"spec.triggers", "no triggers defined", kReasonIncorrectTriggers},
      {"spec.triggers[2].name", "defined multiple times", kReasonIncorrectTriggers},
      {"spec.triggersX", "not a trigger path", kReasonInvalidSpec},
      {"spec.advanced.scalingModifiers.formula", "bad", kReasonScalingModifiers},
      {"spec.fallback.behavior",
       "behavior scalingModifiers needs advanced.scalingModifiers.formula",
       kReasonScalingModifiersFallback},
      {"spec.fallback.behavior", "unsupported value \"x\": expected one of [\"scalingModifiers\"]",
       kReasonIncorrectFallback},
      {"spec.fallback", "at least one trigger", kReasonIncorrectFallback},
      {"spec.fallback.replicas", "-1 must be greater than or equal to 0", kReasonIncorrectFallback},
      {"spec.pollingInterval", "0 must be greater than or equal to 1", kReasonInvalidSpec},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(reasonForIssue({api::Severity::kError, c.path, c.message}), c.reason)
        << c.path << ": " << c.message;
  }
}

TEST(AppendIssues, WarningsCarryNoReason) {
  api::Issues issues;
  issues.warning("spec.pollingInterval", "not relevant");
  issues.error("spec.triggers", "no triggers");
  std::vector<Finding> out;
  appendIssues(issues, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].severity, api::Severity::kWarning);
  EXPECT_TRUE(out[0].reason.empty());
  EXPECT_EQ(out[1].reason, kReasonIncorrectTriggers);
}

}  // namespace
}  // namespace tidal::webhook
