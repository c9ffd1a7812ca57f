// Fuzzes manifest reading end to end: YAML/JSON text -> documents -> keda.sh objects ->
// validation -> encoding. Any input must give either objects or errors: no crash, no hang, no
// sanitizer report. A decoded object must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/codec.h"
#include "api/manifest.h"
#include "api/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = tidal::api::parseManifests(text, "fuzz.yaml");
  if (!docs.isOk()) return 0;
  for (const auto& doc : *docs) {
    tidal::api::Issues issues;
    auto object = tidal::api::decodeKedaObject(doc.json, issues);
    if (!object.isOk()) continue;
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, tidal::api::ScaledObject>) {
            tidal::api::validateScaledObject(o, issues);
          } else if constexpr (std::is_same_v<T, tidal::api::ScaledJob>) {
            tidal::api::validateScaledJob(o, issues);
          } else {
            tidal::api::validateTriggerAuthentication(o, issues);
          }
          if (issues.hasErrors()) return;
          const auto encoded = tidal::api::encode(o);
          tidal::api::Issues again;
          auto redecoded = tidal::api::decodeKedaObject(encoded, again);
          if (!redecoded.isOk()) std::abort();
          const auto reencoded =
              std::visit([](const auto& r) { return tidal::api::encode(r); }, *redecoded);
          if (reencoded != encoded) std::abort();
        },
        *object);
    (void)doc.lineOf("spec.triggers[0].metadata");
  }
  return 0;
}
