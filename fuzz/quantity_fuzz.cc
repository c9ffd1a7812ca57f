// libFuzzer target for Quantity: arbitrary bytes must either be rejected with an error or parse to
// a quantity whose printed form parses back to the same value and prints identically. The integer
// and double accessors run on every accepted input so the sanitizers see them too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "api/quantity.h"

namespace {

void fail(const char* what, std::string_view input, const std::string& printed) {
  std::fprintf(stderr, "%s\n  input:   \"%.*s\"\n  printed: \"%s\"\n", what,
               static_cast<int>(input.size()), input.data(), printed.c_str());
  std::abort();
}

void checkRoundTrip(std::string_view input, const tidal::api::Quantity& q) {
  const std::string printed = q.toString();
  const tidal::StatusOr<tidal::api::Quantity> again = tidal::api::Quantity::parse(printed);
  if (!again.isOk()) fail(again.status().message().c_str(), input, printed);
  if (*again != q) fail("reparsed value differs", input, printed);
  if (again->toString() != printed) fail("reparsed quantity prints differently", input, printed);
  (void)q.value();
  (void)q.milliValue();
  (void)q.asDouble();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const tidal::StatusOr<tidal::api::Quantity> parsed = tidal::api::Quantity::parse(input);
  if (parsed.isOk()) checkRoundTrip(input, *parsed);

  // Eight bytes also make a double for KEDA's metric-value conversion.
  if (size == sizeof(double)) {
    double value = 0;
    std::memcpy(&value, data, sizeof(value));
    checkRoundTrip(input, tidal::api::Quantity::fromFloatMilli(value));
  }
  return 0;
}
