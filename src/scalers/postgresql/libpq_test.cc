// libpq is opened at run time, not linked (libpq.h): this test binary, like tidal, maps it only
// once something asks for it, and a library that cannot be loaded or is not libpq gets an error
// that says which and why.
#include "scalers/postgresql/libpq.h"

#include <string>

#include <gtest/gtest.h>

#include "common/process_maps.h"

namespace tidal::scalers::postgresql {
namespace {

bool libpqMapped() {
  return mappedInThisProcess("/libpq.so");
}

// ctest runs each test in its own process; for a run of the whole binary this one is first.
TEST(LibPq, IsMappedOnlyOnceAsked) {
  EXPECT_FALSE(libpqMapped()) << "libpq mapped before anything asked for it";
  StatusOr<const LibPq*> loaded = libpq();
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  EXPECT_TRUE(libpqMapped());
  // The table works: libpq parses a connection string without connecting.
  const LibPq& pq = *loaded.value();
  char* err = nullptr;
  PQconninfoOption* opts = pq.conninfoParse("host=db.example port=6543", &err);
  ASSERT_NE(opts, nullptr) << (err != nullptr ? err : "");
  std::string port;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "port" && o->val != nullptr) port = o->val;
  }
  pq.conninfoFree(opts);
  EXPECT_EQ(port, "6543");
  // Loaded once: the same table again.
  StatusOr<const LibPq*> again = libpq();
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ(again.value(), loaded.value());
}

TEST(LibPq, AMissingLibraryIsNamedWithTheReasonAndThePackage) {
  StatusOr<const LibPq*> loaded = loadLibPq("libtidal-no-such-libpq.so.5");
  ASSERT_FALSE(loaded.isOk());
  const Status& s = loaded.status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("cannot load libtidal-no-such-libpq.so.5"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("No such file"), std::string::npos) << s.message();  // dlerror()
  EXPECT_NE(s.message().find("libpq5"), std::string::npos) << s.message();
}

TEST(LibPq, ALibraryWithoutLibpqsFunctionsIsRefused) {
  StatusOr<const LibPq*> loaded = loadLibPq("libz.so.1");
  ASSERT_FALSE(loaded.isOk());
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("libz.so.1 is not a usable libpq: it lacks "
                                           "PQconnectStart, PQconnectPoll"),
            std::string::npos)
      << loaded.status().message();
}

}  // namespace
}  // namespace tidal::scalers::postgresql
