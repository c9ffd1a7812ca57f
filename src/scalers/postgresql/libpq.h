// libpq, opened with dlopen() when the first postgresql trigger (or its metadata) needs it,
// rather than linked into tidal. Debian's libpq links Kerberos (GSS-API) and OpenLDAP, which
// bring GnuTLS, p11-kit and a dozen more libraries: linked, they were mapped and initialised in
// every operator, though only postgresql triggers use libpq. Together with Debian's libcurl,
// which brought the same ones, they were 3 MiB of resident pages (docs/performance.md, Z20).
// The functions are libpq's own, called through this table.
//
// libpq() loads the library once per process and keeps it loaded; when it cannot be loaded the
// error names the library and says why (dlerror()), the postgresql trigger's queries fail with
// it, and every other trigger keeps working.
#pragma once

#include <string>

#include <libpq-fe.h>

#include "common/status.h"

namespace tidal::scalers::postgresql {

// The shared object tidal opens: libpq's soname, stable since PostgreSQL 8.0 (the build sets it
// from CMake, which also tells the image check to install it).
#ifndef TIDAL_LIBPQ_SONAME
#define TIDAL_LIBPQ_SONAME "libpq.so.5"
#endif
inline constexpr const char* kLibPqSoname = TIDAL_LIBPQ_SONAME;

struct LibPq {
  decltype(&::PQconnectStart) connectStart = nullptr;
  decltype(&::PQconnectPoll) connectPoll = nullptr;
  decltype(&::PQstatus) status = nullptr;
  decltype(&::PQsocket) socket = nullptr;
  decltype(&::PQsetnonblocking) setnonblocking = nullptr;
  decltype(&::PQerrorMessage) errorMessage = nullptr;
  decltype(&::PQfinish) finish = nullptr;
  decltype(&::PQsendQuery) sendQuery = nullptr;
  decltype(&::PQflush) flush = nullptr;
  decltype(&::PQisBusy) isBusy = nullptr;
  decltype(&::PQconsumeInput) consumeInput = nullptr;
  decltype(&::PQgetResult) getResult = nullptr;
  decltype(&::PQgetCancel) getCancel = nullptr;
  decltype(&::PQcancel) cancel = nullptr;
  decltype(&::PQfreeCancel) freeCancel = nullptr;
  decltype(&::PQresultStatus) resultStatus = nullptr;
  decltype(&::PQresultErrorMessage) resultErrorMessage = nullptr;
  decltype(&::PQntuples) ntuples = nullptr;
  decltype(&::PQnfields) nfields = nullptr;
  decltype(&::PQgetisnull) getisnull = nullptr;
  decltype(&::PQgetvalue) getvalue = nullptr;
  decltype(&::PQclear) clear = nullptr;
  decltype(&::PQconninfoParse) conninfoParse = nullptr;
  decltype(&::PQconninfoFree) conninfoFree = nullptr;
  decltype(&::PQfreemem) freemem = nullptr;
};

// libpq loaded from kLibPqSoname (once; later calls return the same table or the same error).
StatusOr<const LibPq*> libpq();

// Loads `soname` and resolves every function of LibPq from it, or says which step failed. For
// libpq() and for tests (a missing library, a library without libpq's symbols); a table it
// returns stays valid for the life of the process.
StatusOr<const LibPq*> loadLibPq(const std::string& soname);

}  // namespace tidal::scalers::postgresql
