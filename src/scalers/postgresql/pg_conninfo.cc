#include "scalers/postgresql/pg_conninfo.h"

namespace tidal::scalers::postgresql {
namespace {

// libpq ends an unquoted value at isspace(): space, \t, \n, \v, \f, \r.
bool needsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\'' ||
        c == '\\') {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string conninfoValue(std::string_view value) {
  if (!needsQuotes(value)) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string buildConninfo(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [keyword, value] : params) {
    if (!out.empty()) out += ' ';
    out += keyword + "=" + conninfoValue(value);
  }
  return out;
}

}  // namespace tidal::scalers::postgresql
