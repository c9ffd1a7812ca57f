#include "image_map.h"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace tidal::localnode {
namespace {

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

StatusOr<ImageMap> ImageMap::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return notFound("cannot read the image map " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

StatusOr<ImageMap> ImageMap::parse(const std::string& yaml, const std::string& sourceName) {
  ImageMap map;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return invalidArgument(sourceName + ": not YAML: " + e.what());
  }
  YAML::Node images = root["images"];
  if (!images || !images.IsMap()) {
    return invalidArgument(sourceName + ": expected a map `images: {IMAGE: {binary: PATH}}`");
  }
  try {
    for (const auto& item : images) {
      std::string image = item.first.as<std::string>();
      const YAML::Node& node = item.second;
      std::string where = sourceName + ": images." + image;
      if (!node.IsMap() || !node["binary"]) return invalidArgument(where + ": needs `binary`");
      ImageEntry entry;
      entry.binary = node["binary"].as<std::string>();
      if (entry.binary.empty() || entry.binary[0] != '/') {
        return invalidArgument(where + ".binary: must be an absolute path");
      }
      if (node["args"]) entry.args = node["args"].as<std::vector<std::string>>();
      if (node["commands"]) {
        entry.commands = node["commands"].as<std::map<std::string, std::string>>();
        for (const auto& [name, binary] : entry.commands) {
          if (binary.empty() || binary[0] != '/') {
            return invalidArgument(where + ".commands." + name + ": must be an absolute path");
          }
        }
      }
      map.images_[image] = std::move(entry);
    }
  } catch (const YAML::Exception& e) {
    return invalidArgument(sourceName + ": " + e.what());
  }
  return map;
}

const ImageEntry* ImageMap::find(const std::string& image) const {
  auto it = images_.find(image);
  return it == images_.end() ? nullptr : &it->second;
}

StatusOr<std::vector<std::string>> ImageMap::resolveArgv(
    const std::string& image, const std::vector<std::string>& command,
    const std::vector<std::string>& args) const {
  const ImageEntry* entry = find(image);
  if (entry == nullptr) return notFound("image " + image + " is not in the image map");
  std::vector<std::string> argv;
  if (command.empty()) {
    argv.push_back(entry->binary);
  } else {
    auto it = entry->commands.find(command[0]);
    if (it != entry->commands.end()) {
      argv.push_back(it->second);
    } else if (command[0] == entry->binary || command[0] == baseName(entry->binary)) {
      argv.push_back(entry->binary);
    } else {
      return invalidArgument("command " + command[0] + " of image " + image +
                             " is not in the image map");
    }
  }
  argv.insert(argv.end(), entry->args.begin(), entry->args.end());
  if (!command.empty()) argv.insert(argv.end(), command.begin() + 1, command.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace tidal::localnode
