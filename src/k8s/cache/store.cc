#include "k8s/cache/store.h"

#include <mutex>

namespace tidal::k8s {
namespace {

std::string labelIndexKey(std::string_view key, std::string_view value) {
  std::string out(key);
  out += '=';
  out += value;
  return out;
}

void removeFrom(std::map<std::string, std::set<ObjectKey>, std::less<>>& index,
                const std::string& name, const ObjectKey& key) {
  auto it = index.find(name);
  if (it == index.end()) return;
  it->second.erase(key);
  if (it->second.empty()) index.erase(it);
}

}  // namespace

void ObjectStore::indexLocked(const ObjectKey& key, const api::ObjectMeta& meta) {
  if (!indexLabels_) return;
  for (const auto& [k, v] : meta.labels) byLabel_[labelIndexKey(k, v)].insert(key);
}

void ObjectStore::unindexLocked(const ObjectKey& key, const api::ObjectMeta& meta) {
  if (!indexLabels_) return;
  for (const auto& [k, v] : meta.labels) removeFrom(byLabel_, labelIndexKey(k, v), key);
}

std::optional<CachedObject> ObjectStore::upsert(CachedObject object) {
  ObjectKey key = object.key();
  std::unique_lock lock(mu_);
  std::optional<CachedObject> previous;
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    previous = it->second;
    unindexLocked(key, *it->second.meta);
    it->second = object;
  } else {
    objects_.emplace(key, object);
  }
  indexLocked(key, *object.meta);
  return previous;
}

std::optional<CachedObject> ObjectStore::erase(const ObjectKey& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  CachedObject previous = it->second;
  unindexLocked(key, *previous.meta);
  objects_.erase(it);
  return previous;
}

std::map<ObjectKey, CachedObject> ObjectStore::replaceAll(std::vector<CachedObject> objects) {
  std::map<ObjectKey, CachedObject> fresh;
  for (CachedObject& o : objects) {
    ObjectKey key = o.key();
    fresh[key] = std::move(o);
  }
  std::unique_lock lock(mu_);
  byLabel_.clear();
  for (const auto& [key, o] : fresh) indexLocked(key, *o.meta);
  objects_.swap(fresh);
  return fresh;  // now the previous content
}

std::optional<CachedObject> ObjectStore::get(const ObjectKey& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<CachedObject> ObjectStore::list() const {
  std::shared_lock lock(mu_);
  std::vector<CachedObject> out;
  out.reserve(objects_.size());
  for (const auto& [_, o] : objects_) out.push_back(o);
  return out;
}

std::vector<CachedObject> ObjectStore::listNamespace(std::string_view ns) const {
  std::shared_lock lock(mu_);
  std::vector<CachedObject> out;
  for (auto it = objects_.lower_bound(ObjectKey{std::string(ns), ""});
       it != objects_.end() && it->first.namespace_ == ns; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<CachedObject> ObjectStore::select(const LabelSelector& selector,
                                              std::string_view ns) const {
  std::shared_lock lock(mu_);
  const std::set<ObjectKey>* candidates = nullptr;
  if (indexLabels_) {
    for (const LabelSelector::Requirement& r : selector.requirements()) {
      if (r.op != LabelSelector::Op::kEquals) continue;
      auto it = byLabel_.find(labelIndexKey(r.key, r.values.at(0)));
      if (it == byLabel_.end()) return {};
      candidates = &it->second;
      break;
    }
  }
  std::vector<CachedObject> out;
  auto consider = [&](const CachedObject& o) {
    if (!ns.empty() && o.meta->namespace_ != ns) return;
    if (selector.matches(o.meta->labels)) out.push_back(o);
  };
  if (candidates != nullptr) {
    for (const ObjectKey& key : *candidates) consider(objects_.at(key));
  } else if (!ns.empty()) {
    for (auto it = objects_.lower_bound(ObjectKey{std::string(ns), ""});
         it != objects_.end() && it->first.namespace_ == ns; ++it) {
      consider(it->second);
    }
  } else {
    for (const auto& [_, o] : objects_) consider(o);
  }
  return out;
}

std::vector<ObjectKey> ObjectStore::keys() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectKey> out;
  out.reserve(objects_.size());
  for (const auto& [key, _] : objects_) out.push_back(key);
  return out;
}

size_t ObjectStore::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

}  // namespace tidal::k8s
