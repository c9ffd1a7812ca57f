#include "scalers/postgresql/libpq.h"

#include <memory>
#include <type_traits>

#include <dlfcn.h>

namespace tidal::scalers::postgresql {

StatusOr<const LibPq*> loadLibPq(const std::string& soname) {
  // RTLD_LOCAL: libpq's symbols (and those of the libraries it links) stay out of the global
  // namespace, so they cannot interpose on anything tidal links itself.
  void* handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Status(StatusCode::kFailedPrecondition,
                  "cannot load " + soname + " (libpq, which postgresql triggers need): " +
                      (why != nullptr ? why : "unknown error") +
                      "; install PostgreSQL's client library (Debian: libpq5)");
  }
  auto table = std::make_unique<LibPq>();
  std::string missing;
  auto resolve = [&](auto& fn, const char* name) {
    void* symbol = ::dlsym(handle, name);
    if (symbol == nullptr) {
      missing += missing.empty() ? name : std::string(", ") + name;
      return;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(symbol);
  };
  resolve(table->connectStart, "PQconnectStart");
  resolve(table->connectPoll, "PQconnectPoll");
  resolve(table->status, "PQstatus");
  resolve(table->socket, "PQsocket");
  resolve(table->setnonblocking, "PQsetnonblocking");
  resolve(table->errorMessage, "PQerrorMessage");
  resolve(table->finish, "PQfinish");
  resolve(table->sendQuery, "PQsendQuery");
  resolve(table->flush, "PQflush");
  resolve(table->isBusy, "PQisBusy");
  resolve(table->consumeInput, "PQconsumeInput");
  resolve(table->getResult, "PQgetResult");
  resolve(table->getCancel, "PQgetCancel");
  resolve(table->cancel, "PQcancel");
  resolve(table->freeCancel, "PQfreeCancel");
  resolve(table->resultStatus, "PQresultStatus");
  resolve(table->resultErrorMessage, "PQresultErrorMessage");
  resolve(table->ntuples, "PQntuples");
  resolve(table->nfields, "PQnfields");
  resolve(table->getisnull, "PQgetisnull");
  resolve(table->getvalue, "PQgetvalue");
  resolve(table->clear, "PQclear");
  resolve(table->conninfoParse, "PQconninfoParse");
  resolve(table->conninfoFree, "PQconninfoFree");
  resolve(table->freemem, "PQfreemem");
  if (!missing.empty()) {
    ::dlclose(handle);
    return Status(StatusCode::kFailedPrecondition,
                  soname + " is not a usable libpq: it lacks " + missing);
  }
  // The handle stays open for the life of the process, and so does the table.
  return table.release();
}

StatusOr<const LibPq*> libpq() {
  static const StatusOr<const LibPq*> loaded = loadLibPq(kLibPqSoname);
  return loaded;
}

}  // namespace tidal::scalers::postgresql
