#include "scaling/resolver.h"

#include <gtest/gtest.h>

#include "scaling/resolver_fake_source.h"

namespace tidal::scaling {
namespace {

using testing::FakeSource;

api::ScaledObject scaledObject() {
  api::ScaledObject so;
  so.metadata.namespace_ = "apps";
  so.metadata.name = "worker";
  api::ScaleTrigger cpu;
  cpu.type = "cpu";
  cpu.metricType = "Utilization";
  cpu.metadata = {{"value", "50"}};
  api::ScaleTrigger rabbit;
  rabbit.type = "rabbitmq";
  rabbit.name = "orders";
  rabbit.metadata = {{"queueName", "orders"}, {"hostFromEnv", "RABBIT_URL"}};
  rabbit.useCachedMetrics = true;
  rabbit.metricType = "Value";
  rabbit.authenticationRef = api::AuthenticationRef{"rabbit-auth", ""};
  so.spec.triggers = {cpu, rabbit};
  return so;
}

TargetPodTemplate workloadTemplate() {
  k8s::Container main;
  main.name = "main";
  k8s::EnvVar url;
  url.name = "RABBIT_URL";
  url.value = "amqp://$(RABBIT_HOST)/";
  k8s::EnvFromSource from;
  from.configMapName = "rabbit";
  from.prefix = "RABBIT_";
  main.env = {url};
  main.envFrom = {from};
  TargetPodTemplate t;
  t.containers = {main};
  return t;
}

FakeSource fixtures() {
  FakeSource source;
  source.addConfigMap("apps", "rabbit", {{"HOST", "rabbitmq.apps"}});
  source.addSecret("apps", "rabbit", {{"password", "pw"}});
  api::TriggerAuthenticationSpec spec;
  spec.secretTargetRef = {api::TargetRef{"password", "rabbit", "password"}};
  source.addTriggerAuth("apps", "rabbit-auth", spec);
  return source;
}

TEST(ResolveTrigger, FillsTheScalerConfigOfAScaledObjectTrigger) {
  FakeSource source = fixtures();
  ResolverOptions options;
  options.globalHttpTimeout = std::chrono::milliseconds(1500);
  ResolverInput so = resolverInputFor(scaledObject(), workloadTemplate());
  StatusOr<ResolvedTrigger> got = resolveTrigger(so, 1, source, options);
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  const scalers::ScalerConfig& c = got->config;
  EXPECT_EQ(c.scalableObjectName, "worker");
  EXPECT_EQ(c.scalableObjectNamespace, "apps");
  EXPECT_EQ(c.scalableObjectType, "ScaledObject");
  EXPECT_EQ(c.triggerType, "rabbitmq");
  EXPECT_EQ(c.triggerName, "orders");
  EXPECT_EQ(c.triggerIndex, 1);
  EXPECT_EQ(c.triggerMetadata.at("queueName"), "orders");
  EXPECT_EQ(c.resolvedEnv,
            (StringMap{{"RABBIT_HOST", "rabbitmq.apps"}, {"RABBIT_URL", "amqp://rabbitmq.apps/"}}));
  EXPECT_EQ(c.authParams, (StringMap{{"password", "pw"}}));
  EXPECT_EQ(c.metricType, "Value");
  EXPECT_TRUE(c.useCachedMetrics);
  EXPECT_EQ(c.globalHttpTimeout, std::chrono::milliseconds(1500));
  EXPECT_TRUE(got->diagnostics.empty());
}

TEST(ResolveTrigger, ResolveTriggersReadsTheEnvOnce) {
  FakeSource source = fixtures();
  ResolverInput so = resolverInputFor(scaledObject(), workloadTemplate());
  StatusOr<std::vector<ResolvedTrigger>> got = resolveTriggers(so, source, {});
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].config.triggerType, "cpu");
  EXPECT_EQ((*got)[0].config.metricType, "Utilization");
  EXPECT_TRUE((*got)[0].config.authParams.empty());
  EXPECT_EQ((*got)[1].config.authParams.at("password"), "pw");
  EXPECT_EQ((*got)[0].config.resolvedEnv, (*got)[1].config.resolvedEnv);
  EXPECT_EQ(source.calls, (std::vector<std::string>{"configmap apps/rabbit",
                                                    "triggerauthentication apps/rabbit-auth",
                                                    "secret apps/rabbit"}));
}

TEST(ResolveTrigger, ScaledJobUsesTheJobTemplate) {
  FakeSource source = fixtures();
  api::ScaledJob sj;
  sj.metadata.namespace_ = "apps";
  sj.metadata.name = "batch";
  sj.spec.envSourceContainerName = "runner";
  sj.spec.jobTargetRef = api::Json::parse(R"({
    "parallelism": 1,
    "template": {"spec": {"serviceAccountName": "jobs", "containers": [
      {"name": "init-like", "env": [{"name": "MODE", "value": "wrong"}]},
      {"name": "runner", "env": [{"name": "MODE", "value": "batch"}],
       "envFrom": [{"configMapRef": {"name": "rabbit"}}]}]}}
  })");
  sj.spec.triggers = scaledObject().spec.triggers;
  StatusOr<ResolverInput> scalable = resolverInputFor(sj);
  ASSERT_TRUE(scalable.isOk()) << scalable.status().toString();
  EXPECT_EQ(scalable->podTemplate.serviceAccountName, "jobs");
  StatusOr<ResolvedTrigger> got = resolveTrigger(*scalable, 1, source, {});
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->config.scalableObjectType, "ScaledJob");
  EXPECT_EQ(got->config.scalableObjectName, "batch");
  EXPECT_EQ(got->config.resolvedEnv, (StringMap{{"HOST", "rabbitmq.apps"}, {"MODE", "batch"}}));

  sj.spec.jobTargetRef = api::Json::parse(R"({"template": {"spec": {"containers": "x"}}})");
  StatusOr<ResolverInput> bad = resolverInputFor(sj);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("ScaledJob apps/batch: spec.jobTargetRef: ", 0), 0u)
      << bad.status().message();

  sj.spec.jobTargetRef = api::Json();
  StatusOr<ResolverInput> none = resolverInputFor(sj);
  ASSERT_TRUE(none.isOk());
  EXPECT_TRUE(none->podTemplate.containers.empty());
}

TEST(ResolveTrigger, Errors) {
  FakeSource source = fixtures();
  api::ScaledObject so = scaledObject();
  so.spec.scaleTargetRef.envSourceContainerName = "sidecar";
  ResolverInput scalable = resolverInputFor(so, workloadTemplate());

  StatusOr<ResolvedTrigger> missing = resolveTrigger(scalable, 1, source, {});
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status(),
            failedPrecondition("ScaledObject apps/worker: trigger 1 \"orders\" (rabbitmq): scale "
                               "target env: couldn't find container with name sidecar on "
                               "Target object"));

  StatusOr<std::vector<ResolvedTrigger>> all = resolveTriggers(scalable, source, {});
  ASSERT_FALSE(all.isOk());
  EXPECT_EQ(all.status().message(),
            "ScaledObject apps/worker: scale target env: couldn't find container with name "
            "sidecar on Target object");

  StatusOr<ResolvedTrigger> range = resolveTrigger(scalable, 2, source, {});
  EXPECT_EQ(range.status(), invalidArgument("ScaledObject apps/worker: trigger 2 does not exist "
                                            "(it has 2 triggers)"));
}

TEST(ResolveTrigger, DiagnosticsAreCarried) {
  FakeSource source = fixtures();
  source.secrets.clear();
  ResolverInput so = resolverInputFor(scaledObject(), workloadTemplate());
  StatusOr<ResolvedTrigger> got = resolveTrigger(so, 1, source, {});
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(got->config.authParams.at("password"), "");
  ASSERT_EQ(got->diagnostics.size(), 1u);
  EXPECT_EQ(got->diagnostics[0].message(),
            "ScaledObject apps/worker: trigger 1 \"orders\" (rabbitmq): TriggerAuthentication "
            "apps/rabbit-auth: spec.secretTargetRef[0] (parameter \"password\"): Secret "
            "apps/rabbit not found");
}

TEST(ResolveTrigger, DiagnosticsExplainABuildError) {
  const Status build = invalidArgument("error building scaler for trigger 0 (rabbitmq): no host");
  EXPECT_EQ(withDiagnostics(build, {}), build);
  const Status explained = withDiagnostics(
      build,
      {notFound("TriggerAuthentication apps/a not found"), notFound("Secret apps/s not found")});
  EXPECT_EQ(explained.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(explained.message(),
            "error building scaler for trigger 0 (rabbitmq): no host (while resolving its "
            "authentication: TriggerAuthentication apps/a not found; Secret apps/s not found)");
  EXPECT_TRUE(withDiagnostics(Status::ok(), {notFound("x")}).isOk());
}

TEST(TriggerLocation, Describe) {
  TriggerLocation c{"ScaledJob", "ns", "job", 3, "redis", ""};
  EXPECT_EQ(c.describe(), "ScaledJob ns/job: trigger 3 (redis)");
  c.triggerName = "q";
  EXPECT_EQ(c.describe(), "ScaledJob ns/job: trigger 3 \"q\" (redis)");
}

}  // namespace
}  // namespace tidal::scaling
