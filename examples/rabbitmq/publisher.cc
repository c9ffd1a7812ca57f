// The example publisher: KEDA's RabbitMQ sample `send` program.
//
//   tidal-example-publisher [URL] [COUNT] [QUEUE]
//   tidal-example-publisher [URL] --count N [--queue NAME]
//
// URL comes from the first argument when it looks like one (contains "://"), else from
// RABBITMQ_URL; COUNT from the next argument, --count or MESSAGE_COUNT (default 1); QUEUE from the
// next argument or --queue (default "hello"). Declares the queue as the consumer does and
// publishes COUNT transient text/plain messages "Hello World: <i>" (i = 0..COUNT-1) through the
// default exchange. Exit 0 when all were handed to the server, 1 on a connection or protocol
// error, 2 on a usage error.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "amqp_session.h"

namespace {

int usage(const std::string& problem) {
  std::cerr << "tidal-example-publisher: " << problem << "\n"
            << "usage: tidal-example-publisher [amqp://user:password@host:port/vhost] [COUNT] "
               "[QUEUE]\n"
               "       tidal-example-publisher [URL] --count N [--queue NAME]\n"
               "       (the URL may also come from RABBITMQ_URL, COUNT from MESSAGE_COUNT)\n";
  return 2;
}

bool parseCount(const std::string& text, long& count) {
  char* end = nullptr;
  count = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && count >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string urlText;
  std::string countText;
  std::string queue;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--count" || arg == "--queue") && i + 1 >= argc) {
      return usage(arg + " needs a value");
    }
    if (arg == "--count") {
      countText = argv[++i];
    } else if (arg == "--queue") {
      queue = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      usage("publishes COUNT messages");
      return 0;
    } else if (arg.rfind("--", 0) == 0) {
      return usage("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  size_t next = 0;
  if (next < positional.size() && positional[next].find("://") != std::string::npos) {
    urlText = positional[next++];
  }
  if (next < positional.size() && countText.empty()) countText = positional[next++];
  if (next < positional.size() && queue.empty()) queue = positional[next++];
  if (next < positional.size()) return usage("unexpected argument '" + positional[next] + "'");
  if (urlText.empty()) {
    const char* env = std::getenv("RABBITMQ_URL");
    if (env == nullptr || *env == '\0') return usage("no URL: give it as argument or RABBITMQ_URL");
    urlText = env;
  }
  if (countText.empty()) {
    const char* env = std::getenv("MESSAGE_COUNT");
    countText = (env != nullptr && *env != '\0') ? env : "1";
  }
  long count = 0;
  if (!parseCount(countText, count)) {
    return usage("the message count must be a number >= 0, got '" + countText + "'");
  }
  if (queue.empty()) queue = "hello";

  tidal::example::AmqpUrl url;
  std::string error;
  if (!tidal::example::parseAmqpUrl(urlText, url, error)) return usage("the URL is " + error);
  tidal::example::AmqpSession session;
  if (!session.open(url, "tidal-example-publisher", error) || !session.declareQueue(queue, error)) {
    std::cerr << "tidal-example-publisher: " << error << "\n";
    return 1;
  }
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG;
  props.content_type = amqp_cstring_bytes("text/plain");
  for (long i = 0; i < count; ++i) {
    std::string body = "Hello World: " + std::to_string(i);
    int rc = amqp_basic_publish(session.connection(), session.kChannel, amqp_empty_bytes,
                                amqp_cstring_bytes(queue.c_str()), /*mandatory=*/0,
                                /*immediate=*/0, &props, amqp_cstring_bytes(body.c_str()));
    if (rc != AMQP_STATUS_OK) {
      std::cerr << "tidal-example-publisher: cannot publish message " << i << " to '" << queue
                << "' at " << url.describe() << ": " << amqp_error_string2(rc) << "\n";
      return 1;
    }
    std::cout << " [x] Sent " << body << "\n";
  }
  // A channel round trip: the server has taken every message once this answers.
  amqp_basic_qos(session.connection(), session.kChannel, 0, 0, 0);
  error = session.rpcError("the server did not confirm the messages");
  if (!error.empty()) {
    std::cerr << "tidal-example-publisher: " << error << "\n";
    return 1;
  }
  session.close();
  std::cout << "published " << count << " message(s) to '" << queue << "'" << std::endl;
  return 0;
}
