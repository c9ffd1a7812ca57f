// The `activemq` trigger: the size of an ActiveMQ Classic queue, read from the broker's Jolokia
// REST API (the QueueSize attribute of the queue's MBean).
//
// Each poll GETs the rendered restAPITemplate with basic authentication, `Content-Type:
// application/json` and `Origin: <corsHeader>` (Jolokia's CORS check), through the shared HTTP
// client (scalers/http). Success needs HTTP 200 and status 200 in the JSON answer. Metric
// `s<i>-activemq-<destinationName>` (normalised) with an integer target `targetQueueSize`
// (default 10); active while the size is above `activationTargetQueueSize` (default 0).
//
// Example trigger:
//   - type: activemq
//     metadata: {managementEndpoint: "activemq.default:8161", destinationName: jobs,
//                brokerName: localhost, targetQueueSize: "50"}
//     authenticationRef: {name: activemq-auth}   # username and password
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/activemq/activemq_metadata.h"
#include "scalers/http/http_client.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers::activemq {

// Parses the trigger and takes the shared HTTP getter for its endpoint (no I/O).
StatusOr<std::unique_ptr<Scaler>> newActiveMqScaler(const ScalerConfig& config,
                                                    const ScalerContext& context);

// The scaler over a given getter (tests call it directly).
std::unique_ptr<Scaler> makeActiveMqScaler(ActiveMqConfig config,
                                           std::shared_ptr<http::HttpGetter> getter);

}  // namespace tidal::scalers::activemq
