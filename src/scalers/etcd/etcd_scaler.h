// The `etcd` trigger: the numeric value of one etcd key.
//
// Poll: read the key (endpoints in order until one answers) and parse its value as a float; a
// missing key or a value that is not a number is an error. Metric `s<i>-etcd-<watchKey>`
// (normalised) with a milli target `value`; active while the value is above `activationValue`.
//
// Push: the scaler is a PushScaler. run() reads the key, reports its activity, and watches it
// from the next revision (so no change between the read and the watch is lost); every change
// reports `value > activationValue` at once (a deleted key or a value that is not a number counts
// 0). A watch that sent nothing, not even a progress notification, for twice
// `watchProgressNotifyInterval` is restarted; failures are retried after 2 s, doubling to 1 min.
//
// Example trigger:
//   - type: etcd
//     metadata: {endpoints: "etcd-0:2379,etcd-1:2379", watchKey: /jobs/pending, value: "5"}
#pragma once

#include <memory>

#include "common/clock.h"
#include "common/status.h"
#include "scalers/etcd/etcd_client.h"
#include "scalers/etcd/etcd_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers::etcd {

// Parses the trigger and takes the shared transport for its endpoints and TLS settings (no I/O).
StatusOr<std::unique_ptr<Scaler>> newEtcdScaler(const ScalerConfig& config,
                                                const ScalerContext& context);

// The scaler over a given client (newEtcdScaler's last step; tests call it directly). `clock`
// (for the retry backoff) must outlive the scaler.
std::unique_ptr<PushScaler> makeEtcdScaler(EtcdConfig config, std::shared_ptr<EtcdClient> client,
                                           const Clock& clock);

// The number a value stands for: a float (Go's syntax), or an error naming the key.
StatusOr<double> parseEtcdValue(const std::string& key, const std::string& value);

}  // namespace tidal::scalers::etcd
