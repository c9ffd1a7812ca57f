// The example consumer: KEDA's RabbitMQ sample worker, plus a clean stop.
//
//   tidal-example-consumer [URL] [--queue NAME] [--work-ms N] [--once [--wait-ms N]]
//
// URL comes from the first argument or from RABBITMQ_URL. It declares the queue (default "hello",
// not durable), takes one message at a time (prefetch 1, manual acknowledgement), "works" on it for
// --work-ms milliseconds (default 1000) and acknowledges it. On SIGTERM or SIGINT it finishes and
// acknowledges the message in hand, closes the connection and exits 0, so a Deployment scaled down
// by the autoscaler loses no work. Exit 1 on a connection or protocol error, 2 on a usage error.
//
// --once is the ScaledJob mode (deploy-consumer-job.yaml): handle one message and exit 0. A Job
// may start after another Job took the message it was made for, so with --once the consumer also
// exits 0 when no message arrived within --wait-ms (default 30000), instead of idling forever.
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>

#include <unistd.h>

#include "amqp_session.h"

namespace {

volatile std::sig_atomic_t stopRequested = 0;

void onStopSignal(int /*signal*/) {
  stopRequested = 1;
}

void installHandlers() {
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

// Sleeps the whole `ms` even when a signal arrives: the work in hand is finished before stopping.
void work(long ms) {
  timespec left{.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

int usage(const std::string& problem) {
  std::cerr << "tidal-example-consumer: " << problem << "\n"
            << "usage: tidal-example-consumer [amqp://user:password@host:port/vhost] "
               "[--queue NAME] [--work-ms N] [--once [--wait-ms N]]\n"
               "       (the URL may also come from RABBITMQ_URL)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string urlText;
  std::string queue = "hello";
  long workMs = 1000;
  bool once = false;
  long waitMs = -1;  // -1: not given
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--queue" || arg == "--work-ms" || arg == "--wait-ms") && i + 1 >= argc) {
      return usage(arg + " needs a value");
    }
    if (arg == "--queue") {
      queue = argv[++i];
    } else if (arg == "--work-ms" || arg == "--wait-ms") {
      char* end = nullptr;
      long value = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || value < 0) return usage(arg + " needs a number of milliseconds");
      (arg == "--work-ms" ? workMs : waitMs) = value;
    } else if (arg == "--once") {
      once = true;
    } else if (arg == "-h" || arg == "--help") {
      usage("consumes messages one at a time");
      return 0;
    } else if (urlText.empty() && arg.rfind("--", 0) != 0) {
      urlText = arg;
    } else {
      return usage("unexpected argument '" + arg + "'");
    }
  }
  if (urlText.empty()) {
    const char* env = std::getenv("RABBITMQ_URL");
    if (env == nullptr || *env == '\0') return usage("no URL: give it as argument or RABBITMQ_URL");
    urlText = env;
  }
  if (queue.empty()) return usage("--queue must not be empty");
  if (waitMs >= 0 && !once) return usage("--wait-ms only applies with --once");
  if (waitMs < 0) waitMs = 30000;

  tidal::example::AmqpUrl url;
  std::string error;
  if (!tidal::example::parseAmqpUrl(urlText, url, error)) return usage("the URL is " + error);

  installHandlers();
  tidal::example::AmqpSession session;
  char host[256] = "consumer";
  gethostname(host, sizeof(host) - 1);
  if (!session.open(url, std::string("tidal-example-consumer ") + host, error) ||
      !session.declareQueue(queue, error)) {
    std::cerr << "tidal-example-consumer: " << error << "\n";
    return 1;
  }
  amqp_connection_state_t conn = session.connection();
  amqp_basic_qos(conn, session.kChannel, 0, /*prefetch_count=*/1, /*global=*/0);
  error = session.rpcError("cannot set prefetch 1");
  if (error.empty()) {
    amqp_basic_consume(conn, session.kChannel, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes,
                       /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
    error = session.rpcError("cannot consume from queue '" + queue + "'");
  }
  if (!error.empty()) {
    std::cerr << "tidal-example-consumer: " << error << "\n";
    return 1;
  }
  std::cout << " [*] Waiting for messages on '" << queue << "' at " << url.describe()
            << ". To exit press CTRL+C" << std::endl;

  long handled = 0;
  timespec started{};
  clock_gettime(CLOCK_MONOTONIC, &started);
  auto waitedMs = [&started] {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - started.tv_sec) * 1000 + (now.tv_nsec - started.tv_nsec) / 1000000;
  };
  while (stopRequested == 0 && !(once && handled > 0)) {
    amqp_maybe_release_buffers(conn);
    amqp_envelope_t envelope;
    // A short timeout, so a stop request is noticed within 200 ms while the queue is empty.
    timeval timeout{.tv_sec = 0, .tv_usec = 200000};
    amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_TIMEOUT) {
      if (once && waitedMs() >= waitMs) {
        std::cout << " [*] No message within " << waitMs << " ms" << std::endl;
        break;
      }
      continue;
    }
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
      if (stopRequested != 0) break;  // a signal interrupted the wait
      std::cerr << "tidal-example-consumer: lost the connection to " << url.describe() << ": "
                << (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
                        ? amqp_error_string2(reply.library_error)
                        : "the server closed it")
                << "\n";
      return 1;
    }
    std::string body(static_cast<const char*>(envelope.message.body.bytes),
                     envelope.message.body.len);
    std::cout << "Received a message: " << body << std::endl;
    work(workMs);
    int rc = amqp_basic_ack(conn, session.kChannel, envelope.delivery_tag, /*multiple=*/0);
    amqp_destroy_envelope(&envelope);
    if (rc != AMQP_STATUS_OK) {
      std::cerr << "tidal-example-consumer: cannot acknowledge a message: "
                << amqp_error_string2(rc) << "\n";
      return 1;
    }
    ++handled;
  }
  // Anything the server pushed after the last acknowledgement goes back to the queue on close.
  session.close();
  std::cout << " [*] Stopped after " << handled << " message(s)" << std::endl;
  return 0;
}
