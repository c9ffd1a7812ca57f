#include "container_spec.h"

#include <gtest/gtest.h>

#include "k8s/base64.h"

namespace tidal::localnode {
namespace {

const char* kMap = R"(
images:
  example/consumer:1:
    binary: /opt/bin/consumer
    args: ["--work-ms", "10"]
  example/client:1:
    binary: /opt/bin/client
    commands:
      send: /opt/bin/publisher
)";

ImageMap imageMap() {
  StatusOr<ImageMap> map = ImageMap::parse(kMap, "test");
  EXPECT_TRUE(map.isOk()) << map.status().toString();
  return *map;
}

StatusOr<Json> fakeFetch(const std::string& resource, const std::string& ns,
                         const std::string& name) {
  if (ns != "demo") return notFound("wrong namespace " + ns);
  if (resource == "secrets" && name == "amqp") {
    return Json{{"data", {{"url", k8s::base64Encode("amqp://u:p@h:5672")}}}};
  }
  if (resource == "configmaps" && name == "settings") {
    return Json{{"data", {{"QUEUE", "hello"}}}};
  }
  return notFound(resource + " " + name + " not found");
}

Json pod() {
  return {{"metadata", {{"name", "p-1"}, {"namespace", "demo"}}}};
}

std::string envOf(const ContainerLaunch& launch, const std::string& name) {
  for (const std::string& e : launch.env) {
    if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
  }
  return "<unset>";
}

TEST(ImageMap, ResolvesArgv) {
  struct Case {
    const char* name;
    std::string image;
    std::vector<std::string> command;
    std::vector<std::string> args;
    std::vector<std::string> want;  // empty: an error
  };
  std::vector<Case> cases = {
      {"entrypoint with extra args",
       "example/consumer:1",
       {},
       {"a"},
       {"/opt/bin/consumer", "--work-ms", "10", "a"}},
      {"command by basename",
       "example/consumer:1",
       {"consumer", "x"},
       {"y"},
       {"/opt/bin/consumer", "--work-ms", "10", "x", "y"}},
      {"command from the commands table",
       "example/client:1",
       {"send", "u", "300"},
       {},
       {"/opt/bin/publisher", "u", "300"}},
      {"unmapped command", "example/client:1", {"/bin/sh", "-c", "rm -rf /"}, {}, {}},
      {"unmapped image", "nginx:1", {}, {}, {}},
  };
  ImageMap map = imageMap();
  for (const Case& c : cases) {
    StatusOr<std::vector<std::string>> argv = map.resolveArgv(c.image, c.command, c.args);
    if (c.want.empty()) {
      EXPECT_FALSE(argv.isOk()) << c.name;
    } else {
      ASSERT_TRUE(argv.isOk()) << c.name << ": " << argv.status().toString();
      EXPECT_EQ(*argv, c.want) << c.name;
    }
  }
}

TEST(ImageMap, RejectsRelativeBinaries) {
  EXPECT_FALSE(ImageMap::parse("images: {x: {binary: bin/x}}", "t").isOk());
  EXPECT_FALSE(ImageMap::parse("images: [1]", "t").isOk());
}

TEST(ExpandVars, FollowsKubernetesRules) {
  std::map<std::string, std::string> vars{{"A", "1"}, {"URL", "amqp://h"}};
  EXPECT_EQ(expandVars("$(A)-$(URL)", vars), "1-amqp://h");
  EXPECT_EQ(expandVars("$(MISSING)", vars), "$(MISSING)");
  EXPECT_EQ(expandVars("$$(A) $", vars), "$(A) $");
}

TEST(PrepareContainer, AppliesEnvFromSecretsConfigMapsAndFields) {
  Json container = {
      {"name", "c"},
      {"image", "example/consumer:1"},
      {"args", {"--url", "$(RABBITMQ_URL)", "--queue", "$(QUEUE)"}},
      {"envFrom", {{{"configMapRef", {{"name", "settings"}}}}}},
      {"env",
       {{{"name", "RABBITMQ_URL"},
         {"valueFrom", {{"secretKeyRef", {{"name", "amqp"}, {"key", "url"}}}}}},
        {{"name", "POD"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
        {{"name", "GREETING"}, {"value", "hi $(POD)"}},
        {{"name", "OPTIONAL"},
         {"valueFrom",
          {{"secretKeyRef", {{"name", "nope"}, {"key", "k"}, {"optional", true}}}}}}}}};
  StatusOr<ContainerLaunch> launch =
      prepareContainer(pod(), container, imageMap(), fakeFetch, {"node", "127.0.0.1"});
  ASSERT_TRUE(launch.isOk()) << launch.status().toString();
  EXPECT_EQ(launch->argv, (std::vector<std::string>{"/opt/bin/consumer", "--work-ms", "10", "--url",
                                                    "amqp://u:p@h:5672", "--queue", "hello"}));
  EXPECT_EQ(envOf(*launch, "RABBITMQ_URL"), "amqp://u:p@h:5672");
  EXPECT_EQ(envOf(*launch, "QUEUE"), "hello");
  EXPECT_EQ(envOf(*launch, "GREETING"), "hi p-1");
  EXPECT_EQ(envOf(*launch, "HOSTNAME"), "p-1");
  EXPECT_EQ(envOf(*launch, "OPTIONAL"), "<unset>");
}

TEST(PrepareContainer, MissingSecretKeyIsAConfigError) {
  Json container = {
      {"name", "c"},
      {"image", "example/consumer:1"},
      {"env",
       {{{"name", "X"}, {"valueFrom", {{"secretKeyRef", {{"name", "amqp"}, {"key", "nope"}}}}}}}}};
  StatusOr<ContainerLaunch> launch =
      prepareContainer(pod(), container, imageMap(), fakeFetch, {"node", "127.0.0.1"});
  ASSERT_FALSE(launch.isOk());
  EXPECT_EQ(launch.status().code(), StatusCode::kNotFound);
  EXPECT_NE(launch.status().message().find("Secret amqp key nope"), std::string::npos)
      << launch.status().message();
}

}  // namespace
}  // namespace tidal::localnode
