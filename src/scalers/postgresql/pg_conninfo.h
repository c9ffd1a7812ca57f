// libpq connection strings built from separate values without letting any value reach another
// parameter. libpq's keyword=value syntax ends an unquoted value at whitespace, so a password such
// as "x sslmode=disable" would switch TLS off, and an empty value would swallow the next
// "keyword=value" pair. Every value that is empty or holds whitespace, a quote or a backslash is
// therefore written in single quotes with `\` and `'` escaped by a backslash: libpq reads it back
// as exactly the original bytes.
//
// Example:
//   conninfoValue("pa ss'w\\d") == R"('pa ss\'w\\d')"
//   buildConninfo({{"host", "db"}, {"password", "p w"}}) == "host=db password='p w'"
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidal::scalers::postgresql {

// One value as libpq's conninfo parser reads it back unchanged.
std::string conninfoValue(std::string_view value);

// "k1=v1 k2=v2 ...", each value through conninfoValue. Keywords are tidal's own constants.
std::string buildConninfo(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace tidal::scalers::postgresql
