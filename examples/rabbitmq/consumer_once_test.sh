#!/usr/bin/env bash
# The consumer's --once mode (ScaledJob, deploy-consumer-job.yaml) against a real RabbitMQ:
#   consumer_once_test.sh CONSUMER PUBLISHER     (run under tests/support/with-services rabbitmq)
# Two messages are published; each `--once` run must take exactly one and exit 0; a third run
# must find none and exit 0 after --wait-ms; --wait-ms without --once is a usage error (2).
set -euo pipefail
consumer=$1
publisher=$2
: "${TIDAL_RABBITMQ_AMQP_URL:?run under tests/support/with-services rabbitmq}"
export RABBITMQ_URL=$TIDAL_RABBITMQ_AMQP_URL
queue=once-$$
fail() { echo "FAIL: $*" >&2; exit 1; }

"$publisher" --count 2 --queue "$queue" >/dev/null

for i in 1 2; do
  start=$(date +%s%N)
  out=$("$consumer" --queue "$queue" --work-ms 10 --once --wait-ms 5000) || fail "run $i exited $?"
  echo "$out"
  [ "$(grep -c '^Received a message' <<<"$out")" = 1 ] || fail "run $i did not take exactly one message"
  grep -q 'Stopped after 1 message(s)' <<<"$out" || fail "run $i did not report one message"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -lt 4000 ] || fail "run $i waited ${ms} ms although a message was there"
done

start=$(date +%s%N)
out=$("$consumer" --queue "$queue" --work-ms 10 --once --wait-ms 1000) || fail "empty run exited $?"
echo "$out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'No message within 1000 ms' <<<"$out" || fail "empty run did not say it found no message"
grep -q 'Stopped after 0 message(s)' <<<"$out" || fail "empty run took a message"
if [ "$ms" -lt 1000 ] || [ "$ms" -ge 10000 ]; then fail "empty run took ${ms} ms, expected about 1000"; fi

set +e
"$consumer" --queue "$queue" --wait-ms 100 >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "--wait-ms without --once exited $rc, expected 2"
echo "1 passed, 0 failed"
