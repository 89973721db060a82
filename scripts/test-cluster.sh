#!/usr/bin/env bash
# The cluster tier (`npm run test:cluster`): each test file with the cluster it needs, started
# before it and removed after it, whatever happens. Exits non-zero if any part fails.
#
#   scripts/test-cluster.sh             both parts, one after the other
#   scripts/test-cluster.sh node-loss   test/cluster/node-loss.test.ts on scripts/cluster.sh
#   scripts/test-cluster.sh partition   test/cluster/partition.test.ts on scripts/partition-cluster.sh
#
# The partition part needs root and `ip netns`; without them its test reports itself skipped and
# no cluster is started. A part that is not selected is never started or stopped, so another run
# of the other part on this machine is left alone.
set -uo pipefail
cd "$(dirname "$0")/.."

STARTED=()

stop_started() {
  for script in "${STARTED[@]}"; do "$script" stop || echo "$script stop failed" >&2; done
  STARTED=()
}
trap stop_started EXIT
# A run stopped by Ctrl-C or a kill still removes its clusters (through the EXIT trap).
trap 'exit 130' INT
trap 'exit 143' TERM

can_partition() { scripts/partition-cluster.sh check >/dev/null 2>&1; }

run_node_loss() {
  STARTED+=(scripts/cluster.sh)
  scripts/cluster.sh start || return 1
  ENOKI_TEST_TIMEOUT_MS=900000 node scripts/run-tests.mjs test/cluster/node-loss.test.ts
}

# Run by node's test runner directly, not scripts/run-tests.mjs: that would make a vhost on the
# machine's default broker, which this test never uses. The flags are the runner's.
run_partition() {
  if can_partition; then
    STARTED+=(scripts/partition-cluster.sh)
    scripts/partition-cluster.sh start || return 1
  fi
  ENOKI_LOG_LEVEL=${ENOKI_LOG_LEVEL:-silent} node --import tsx --test --test-reporter=spec \
    --test-timeout=900000 --test-force-exit test/cluster/partition.test.ts
}

code=0
case "${1:-all}" in
node-loss) run_node_loss || code=1 ;;
partition) run_partition || code=1 ;;
all)
  run_node_loss || code=1
  stop_started
  run_partition || code=1
  ;;
*)
  sed -n '2,11p' "$0" >&2
  exit 2
  ;;
esac
exit $code
