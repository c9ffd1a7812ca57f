#include "scaling/scaledjob_jobs.h"

#include <gtest/gtest.h>

#include "api/annotations.h"
#include "api/defaults.h"

namespace tidal::scaling {
namespace {

using Json = nlohmann::json;

api::ScaledJob scaledJob() {
  api::ScaledJob sj;
  sj.metadata.name = "worker";
  sj.metadata.namespace_ = "jobs";
  sj.metadata.uid = "uid-1";
  sj.metadata.generation = 3;
  sj.spec.jobTargetRef = Json::parse(R"({
    "parallelism": 1,
    "template": {"metadata": {"labels": {"app": "worker"}},
                 "spec": {"containers": [{"name": "w", "image": "busybox"}]}}})");
  return sj;
}

TEST(BuildJobTest, MetadataLabelsAnnotationsAndOwner) {
  api::ScaledJob sj = scaledJob();
  sj.metadata.labels = {{"team", "a"}, {"secret-ish", "x"}, {"app.kubernetes.io/name", "mine"}};
  sj.metadata.annotations = {{api::kJobExcludedLabelsAnnotation, "secret-ish, other"},
                             {"note", "hi"}};
  StatusOr<Json> job = buildJob(sj, "2.17.0");
  ASSERT_TRUE(job.isOk()) << job.status().toString();
  const Json& meta = (*job)["metadata"];
  EXPECT_EQ((*job)["apiVersion"], "batch/v1");
  EXPECT_EQ((*job)["kind"], "Job");
  EXPECT_EQ(meta["generateName"], "worker-");
  EXPECT_EQ(meta["namespace"], "jobs");
  EXPECT_FALSE(meta.contains("name"));
  const Json& labels = meta["labels"];
  EXPECT_EQ(labels["app.kubernetes.io/name"], "mine");  // a ScaledJob label wins, as in KEDA
  EXPECT_EQ(labels["app.kubernetes.io/part-of"], "worker");
  EXPECT_EQ(labels["app.kubernetes.io/version"], "2.17.0");
  EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "keda-operator");
  EXPECT_EQ(labels["scaledjob.keda.sh/name"], "worker");
  EXPECT_EQ(labels["team"], "a");
  EXPECT_FALSE(labels.contains("secret-ish"));
  EXPECT_EQ(meta["annotations"]["scaledjob.keda.sh/generation"], "3");
  EXPECT_EQ(meta["annotations"]["note"], "hi");
  ASSERT_EQ(meta["ownerReferences"].size(), 1u);
  const Json& owner = meta["ownerReferences"][0];
  EXPECT_EQ(owner["apiVersion"], "keda.sh/v1alpha1");
  EXPECT_EQ(owner["kind"], "ScaledJob");
  EXPECT_EQ(owner["name"], "worker");
  EXPECT_EQ(owner["uid"], "uid-1");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);
}

TEST(BuildJobTest, SpecIsTheTemplateWithLabelAndRestartPolicy) {
  api::ScaledJob sj = scaledJob();
  StatusOr<Json> job = buildJob(sj, "v");
  ASSERT_TRUE(job.isOk());
  const Json& spec = (*job)["spec"];
  EXPECT_EQ(spec["parallelism"], 1);
  EXPECT_EQ(spec["template"]["metadata"]["labels"]["app"], "worker");
  EXPECT_EQ(spec["template"]["metadata"]["labels"]["scaledjob.keda.sh/name"], "worker");
  EXPECT_EQ(spec["template"]["metadata"]["generateName"], "worker-");
  EXPECT_EQ(spec["template"]["spec"]["restartPolicy"], "OnFailure");
  EXPECT_EQ(spec["template"]["spec"]["containers"][0]["image"], "busybox");

  sj.spec.jobTargetRef["template"]["spec"]["restartPolicy"] = "Never";
  EXPECT_EQ((*buildJob(sj, "v"))["spec"]["template"]["spec"]["restartPolicy"], "Never");
}

TEST(BuildJobTest, ScaledJobLabelCannotBeOverridden) {
  api::ScaledJob sj = scaledJob();
  sj.metadata.labels = {{"scaledjob.keda.sh/name", "someone-else"}};
  sj.metadata.annotations = {{"scaledjob.keda.sh/generation", "99"}};
  StatusOr<Json> job = buildJob(sj, "v");
  ASSERT_TRUE(job.isOk());
  EXPECT_EQ((*job)["metadata"]["labels"]["scaledjob.keda.sh/name"], "worker");
  EXPECT_EQ((*job)["metadata"]["annotations"]["scaledjob.keda.sh/generation"], "3");
}

TEST(BuildJobTest, MissingOrBadJobTargetRef) {
  api::ScaledJob sj = scaledJob();
  sj.spec.jobTargetRef = nullptr;
  EXPECT_EQ(buildJob(sj, "v").status().code(), StatusCode::kInvalidArgument);
  sj.spec.jobTargetRef = Json::parse(R"({"template": 3})");
  EXPECT_EQ(buildJob(sj, "v").status().code(), StatusCode::kInvalidArgument);
  sj.spec.jobTargetRef = Json::object();  // no template: one is made
  StatusOr<Json> job = buildJob(sj, "v");
  ASSERT_TRUE(job.isOk());
  EXPECT_EQ((*job)["spec"]["template"]["spec"]["restartPolicy"], "OnFailure");
}

k8s::Job finished(const std::string& name, const std::string& type, const std::string& completed,
                  const std::string& transition = "") {
  k8s::Job j;
  j.metadata.name = name;
  j.metadata.creationTimestamp = "2024-01-01T00:00:00Z";
  j.completionTime = completed;
  j.conditions.push_back({.type = type, .status = "True", .lastTransitionTime = transition});
  return j;
}

TEST(HistoryJobsToDeleteTest, OldestBeyondEachLimit) {
  struct Case {
    const char* name;
    std::optional<int32_t> successful;
    std::optional<int32_t> failed;
    std::vector<std::string> want;
  };
  const std::vector<k8s::Job> jobs = {
      finished("c3", "Complete", "2024-05-01T10:03:00Z"),
      finished("c1", "Complete", "2024-05-01T10:01:00Z"),
      finished("c2", "Complete", "2024-05-01T10:02:00Z"),
      finished("f2", "Failed", "", "2024-05-01T11:02:00Z"),
      finished("f1", "Failed", "", "2024-05-01T11:01:00Z"),
      k8s::Job{.metadata = {.name = "running"}},
  };
  const Case cases[] = {
      {"defaults keep 100", std::nullopt, std::nullopt, {}},
      {"keep one successful", 1, std::nullopt, {"c1", "c2"}},
      {"keep none", 0, 0, {"c1", "c2", "c3", "f1", "f2"}},
      {"failed ordered by transition time", 5, 1, {"f1"}},
      {"at the limit nothing", 3, 2, {}},
  };
  for (const Case& c : cases) {
    api::ScaledJobSpec spec;
    spec.successfulJobsHistoryLimit = c.successful;
    spec.failedJobsHistoryLimit = c.failed;
    EXPECT_EQ(historyJobsToDelete(spec, jobs), c.want) << c.name;
  }
}

TEST(RolloutCleanupTest, OldGenerationsUnlessGradual) {
  auto jobWith = [](const std::string& name, std::optional<std::string> generation) {
    k8s::Job j;
    j.metadata.name = name;
    if (generation) j.metadata.annotations[kJobGenerationAnnotation] = *generation;
    return j;
  };
  const std::vector<k8s::Job> jobs = {jobWith("current", "3"), jobWith("old", "2"),
                                      jobWith("unmarked", std::nullopt)};
  api::ScaledJob sj = scaledJob();
  RolloutCleanup r = rolloutCleanup(sj, jobs);
  EXPECT_FALSE(r.gradual);
  EXPECT_EQ(r.jobs, (std::vector<std::string>{"old", "unmarked"}));
  EXPECT_EQ(r.propagationPolicy, "Background");

  sj.spec.rollout = api::Rollout{.strategy = "immediate", .propagationPolicy = "foreground"};
  EXPECT_EQ(rolloutCleanup(sj, jobs).propagationPolicy, "Foreground");

  sj.spec.rollout->strategy = "gradual";
  r = rolloutCleanup(sj, jobs);
  EXPECT_TRUE(r.gradual);
  EXPECT_TRUE(r.jobs.empty());

  sj.spec.rolloutStrategy = "immediate";  // the deprecated field wins
  EXPECT_EQ(rolloutCleanup(sj, jobs).jobs.size(), 2u);
}

TEST(JobLabelSelectorTest, NamesTheScaledJob) {
  EXPECT_EQ(jobLabelSelector("worker"), "scaledjob.keda.sh/name=worker");
}

}  // namespace
}  // namespace tidal::scaling
