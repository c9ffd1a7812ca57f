// The informer's local cache: objects by key, with indexes by namespace and by label.
//
// Objects are immutable and shared (std::shared_ptr<const ...>): a reader keeps the version it got
// even if the informer replaces it a moment later, and no copy is made per lookup. The store is
// type-erased (it holds `const void*` objects and a pointer to their ObjectMeta); Informer<T> gives
// the typed view.
//
// Lookups by namespace (listNamespace) are a range of the key-ordered map. The label index
// (key=value; select() uses the index of the selector's first equality requirement, then filters
// the rest, so "the pods of this deployment" does not scan every pod in the cluster) is kept only
// when asked for: it costs a few hundred bytes per label per object, and the operator's caches of
// ScaledObjects, HPAs and workloads never select by label. Without it select() scans.
//
// Thread-safe: many readers, one writer (the informer), under a shared mutex.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "api/types.h"
#include "k8s/cache/label_selector.h"
#include "k8s/client/resource.h"

namespace tidal::k8s {

// One cached object: the typed value (owned by `object`) and its metadata (inside it).
struct CachedObject {
  std::shared_ptr<const void> object;
  const api::ObjectMeta* meta = nullptr;

  ObjectKey key() const { return {meta->namespace_, meta->name}; }
};

class ObjectStore {
 public:
  explicit ObjectStore(bool indexLabels = true) : indexLabels_(indexLabels) {}

  // Inserts or replaces; returns the previous version, if any.
  std::optional<CachedObject> upsert(CachedObject object);
  // Removes; returns what was there, if anything.
  std::optional<CachedObject> erase(const ObjectKey& key);
  // Replaces the whole content (after a list); returns the previous content.
  std::map<ObjectKey, CachedObject> replaceAll(std::vector<CachedObject> objects);

  std::optional<CachedObject> get(const ObjectKey& key) const;
  std::vector<CachedObject> list() const;
  std::vector<CachedObject> listNamespace(std::string_view ns) const;
  // Objects matching `selector`, in `ns` when not empty.
  std::vector<CachedObject> select(const LabelSelector& selector, std::string_view ns = "") const;
  std::vector<ObjectKey> keys() const;
  size_t size() const;

 private:
  void indexLocked(const ObjectKey& key, const api::ObjectMeta& meta);
  void unindexLocked(const ObjectKey& key, const api::ObjectMeta& meta);

  const bool indexLabels_;
  mutable std::shared_mutex mu_;
  std::map<ObjectKey, CachedObject> objects_;  // ordered by namespace, then name
  std::map<std::string, std::set<ObjectKey>, std::less<>> byLabel_;  // "key=value"
};

}  // namespace tidal::k8s
