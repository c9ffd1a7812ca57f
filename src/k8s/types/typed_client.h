// Typed reads on top of Client: fetch JSON, decode with ObjectCodec<T>.
//
//   TIDAL_ASSIGN_OR_RETURN(Scale scale, getAs<Scale>(client, kDeployments, "web", "api", "scale"));
//
// Errors are Client's, or the decoder's kInvalidArgument when the object does not match T.
#pragma once

#include <vector>

#include "k8s/client/client.h"
#include "k8s/types/object.h"

namespace tidal::k8s {

// GET of an object, or of its subresource ("scale", "status") when `subresource` is set.
template <typename T>
StatusOr<T> getAs(Client& client, const GroupVersionResource& gvr, std::string_view ns,
                  std::string_view name, std::string_view subresource = "",
                  const std::stop_token& stop = {}) {
  StatusOr<Json> json = subresource == "scale" ? client.getScale(gvr, ns, name, stop)
                                               : client.get(gvr, ns, name, stop);
  if (!json.isOk()) return json.status();
  return ObjectCodec<T>::decode(*json);
}

// Every object of a list, decoded; objects that do not decode are returned in `skipped` with
// their errors instead of failing the whole list.
template <typename T>
struct TypedList {
  std::string resourceVersion;
  std::vector<T> items;
  std::vector<Status> skipped;
};

template <typename T>
StatusOr<TypedList<T>> listAs(Client& client, const GroupVersionResource& gvr, std::string_view ns,
                              const ListOptions& options = {}, const std::stop_token& stop = {}) {
  StatusOr<ObjectList> list = client.listAll(gvr, ns, options, stop);
  if (!list.isOk()) return list.status();
  TypedList<T> out;
  out.resourceVersion = list->resourceVersion;
  for (const Json& item : list->items) {
    StatusOr<T> decoded = ObjectCodec<T>::decode(item);
    if (decoded.isOk()) {
      out.items.push_back(std::move(decoded).value());
    } else {
      out.skipped.push_back(decoded.status());
    }
  }
  return out;
}

}  // namespace tidal::k8s
