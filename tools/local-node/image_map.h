// The image map of the local node agent: which local program stands in for which container image.
//
// There is no container runtime on this machine, so an image name cannot be pulled and run.
// Instead a YAML file says, for each image the demo uses, which locally built binary to run:
//
//   images:
//     tidal/example-rabbitmq-consumer:0.1:
//       binary: /abs/path/tidal-example-consumer   # stands in for the image's ENTRYPOINT
//       args: ["--work-ms", "1000"]                 # optional: put right after the binary
//       commands:                                   # optional: a container's command[0] -> binary
//         tidal-example-consumer: /abs/path/tidal-example-consumer
//
// How a container becomes an argv (see resolveArgv): without `command`, [binary, args...,
// container args...]; with `command`, [commands[command[0]], args..., command[1..]..., container
// args...]. A command[0] that names no entry of `commands` (nor the basename of `binary`) is an
// error: nothing on this machine is run by accident.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace tidal::localnode {

struct ImageEntry {
  std::string binary;
  std::vector<std::string> args;
  std::map<std::string, std::string> commands;
};

class ImageMap {
 public:
  // Reads the file; kInvalidArgument naming the file and the entry when it is malformed, or when
  // a binary is not an absolute path.
  static StatusOr<ImageMap> load(const std::string& path);
  static StatusOr<ImageMap> parse(const std::string& yaml, const std::string& sourceName);

  // The entry of `image`, or null.
  const ImageEntry* find(const std::string& image) const;

  // The argv of a container with `image`, `command` and `args` (already $(VAR)-expanded).
  // kNotFound when the image is not mapped, kInvalidArgument when command[0] is not.
  StatusOr<std::vector<std::string>> resolveArgv(const std::string& image,
                                                 const std::vector<std::string>& command,
                                                 const std::vector<std::string>& args) const;

  size_t size() const { return images_.size(); }

 private:
  std::map<std::string, ImageEntry> images_;
};

}  // namespace tidal::localnode
