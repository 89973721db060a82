#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this one machine, for the cluster test tier (test/cluster/).
#
#   scripts/cluster.sh start          start the three nodes and join them (idempotent)
#   scripts/cluster.sh stop           stop every node and remove all of its data
#   scripts/cluster.sh status         the cluster as node 1 sees it
#   scripts/cluster.sh uris           the AMQP URI of each node, one a line
#   scripts/cluster.sh stop-node N    stop node N (1-3), keeping its data
#   scripts/cluster.sh start-node N   start node N again; it rejoins the cluster
#   scripts/cluster.sh ctl N ARGS...  rabbitmqctl against node N
#
# Nodes enoki-c1..3@localhost listen for AMQP on 5681-5683 (loopback only), for Erlang
# distribution on 25681-25683, with no plugins (so no management or Prometheus port). Each has its
# own config, data and log directories and its own Erlang cookie under $ENOKI_CLUSTER_DIR
# (default /tmp/enoki-cluster): the machine's default broker (rabbit@..., 5672/25672), its
# config files, cookie and data are never read or touched. The nodes share epmd (port 4369) with
# it, which only maps node names to ports.
set -euo pipefail

BASE=${ENOKI_CLUSTER_DIR:-/tmp/enoki-cluster}
RMQ_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}
NODES=(1 2 3)
FIRST_PORT=5681

node_name() { echo "enoki-c$1@localhost"; }
node_port() { echo $((FIRST_PORT + $1 - 1)); }

# Runs a command in the environment of node N: everything RabbitMQ would otherwise take from
# /etc/rabbitmq or /var/lib/rabbitmq points into the node's own directory. HOME holds the
# cluster's own cookie, which the node and rabbitmqctl read.
with_node() { # node, command...
  local n=$1 dir="$BASE/node$1"
  shift
  (
    export HOME="$BASE/home"
    export RABBITMQ_NODENAME="$(node_name "$n")" RABBITMQ_USE_LONGNAME=false
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$(node_port "$n")"
    export RABBITMQ_DIST_PORT=$((20000 + $(node_port "$n")))
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"
    export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_MNESIA_DIR="$dir/mnesia/$(node_name "$n")"
    export RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbit.pid"
    export RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags"
    export ERL_EPMD_ADDRESS=127.0.0.1
    # A node or rabbitmqctl that dies writes its crash dump here, not in the caller's directory.
    export ERL_CRASH_DUMP="$BASE/erl_crash.dump"
    unset ERL_FLAGS
    "$@"
  )
}

ctl() { # node, rabbitmqctl arguments...
  local n=$1
  shift
  with_node "$n" "$RMQ_BIN/rabbitmqctl" -n "$(node_name "$n")" "$@"
}

# Without the cluster's cookie there is no cluster (and rabbitmqctl would try to write one).
running() { [ -f "$BASE/home/.erlang.cookie" ] && ctl "$1" -q status >/dev/null 2>&1; }

prepare() {
  mkdir -p "$BASE/home"
  if [ ! -f "$BASE/home/.erlang.cookie" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$BASE/home/.erlang.cookie"
    chmod 400 "$BASE/home/.erlang.cookie"
  fi
  : >"$BASE/rabbitmq-env.conf"
  echo "[]." >"$BASE/enabled_plugins"
  for n in "${NODES[@]}"; do
    local dir="$BASE/node$n"
    mkdir -p "$dir/mnesia" "$dir/log"
    cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$(node_port "$n")
loopback_users = none
# Quick failure detection for the tests: a lost peer is noticed in seconds, not a minute.
net_ticktime = 10
cluster_partition_handling = pause_minority
log.file.level = info
EOF
    echo "[]." >"$dir/advanced.config"
  done
}

# Starts node N and waits until it runs the rabbit application. A node that does not come up is
# stopped and started once more (a boot seen failing once in CI, not again in three runs by hand);
# each failure prints the end of the node's logs first, since `stop` removes them.
start_node() {
  local n=$1 attempt
  if running "$n"; then return 0; fi
  for attempt in 1 2; do
    if boot_node "$n"; then return 0; fi
    echo "node $(node_name "$n") did not start (attempt $attempt of 2); the end of its logs:" >&2
    tail -n 30 "$BASE/node$n"/log/* >&2 2>/dev/null || true
    stop_one "$n"
    if [ "$attempt" -eq 1 ]; then sleep 5; fi
  done
  echo "node $(node_name "$n") did not start; see $BASE/node$n/log" >&2
  return 1
}

boot_node() {
  local n=$1
  with_node "$n" "$RMQ_BIN/rabbitmq-server" -detached >"$BASE/node$n/log/detached.out" 2>&1 || true
  # -detached returns at once: wait until the VM answers, then until it runs the rabbit application.
  local tries=0
  until ctl "$n" -q ping >/dev/null 2>&1 || [ $tries -ge 60 ]; do
    tries=$((tries + 1))
    sleep 1
  done
  ctl "$n" -q --timeout 120 await_startup >/dev/null 2>&1
}

in_cluster() { # node: whether node 1 counts it among the running nodes
  ctl 1 -q cluster_status --formatter json 2>/dev/null | grep -q "\"$(node_name "$1")\""
}

join_node() {
  local n=$1
  if in_cluster "$n"; then return 0; fi
  ctl "$n" -q stop_app >/dev/null 2>&1
  ctl "$n" -q reset >/dev/null 2>&1
  ctl "$n" -q join_cluster "$(node_name 1)" >/dev/null 2>&1
  ctl "$n" -q start_app >/dev/null 2>&1
}

cmd_start() {
  prepare
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in 2 3; do join_node "$n"; done
  echo "cluster running: $(node_name 1) $(node_name 2) $(node_name 3) on ports $(node_port 1)-$(node_port 3)"
}

stop_one() {
  local n=$1 pid_file="$BASE/node$1/rabbit.pid"
  if running "$n"; then ctl "$n" -q stop >/dev/null 2>&1 || true; fi
  # A node that does not answer (paused, partitioned) is killed by its own pid file, never by name.
  if [ -f "$pid_file" ]; then
    local pid
    pid=$(cat "$pid_file")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      sleep 2
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
  fi
}

cmd_stop() {
  if [ ! -d "$BASE" ]; then return 0; fi
  for n in "${NODES[@]}"; do stop_one "$n"; done
  rm -rf "$BASE"
  echo "cluster stopped, $BASE removed"
}

cmd_status() {
  for n in "${NODES[@]}"; do
    if running "$n"; then echo "$(node_name "$n") running"; else echo "$(node_name "$n") stopped"; fi
  done
  for n in "${NODES[@]}"; do
    if running "$n"; then
      ctl "$n" -q cluster_status
      return 0
    fi
  done
}

cmd_uris() {
  for n in "${NODES[@]}"; do echo "amqp://guest:guest@127.0.0.1:$(node_port "$n")/"; done
}

check_node() {
  case "${1:-}" in
  1 | 2 | 3) ;;
  *)
    echo "node number must be 1, 2 or 3" >&2
    exit 2
    ;;
  esac
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
uris) cmd_uris ;;
stop-node)
  check_node "${2:-}"
  ctl "$2" -q stop_app >/dev/null 2>&1 || true
  stop_one "$2"
  ;;
start-node)
  check_node "${2:-}"
  start_node "$2"
  ;;
ctl)
  check_node "${2:-}"
  n=$2
  shift 2
  ctl "$n" "$@"
  ;;
*)
  sed -n '2,10p' "$0" >&2
  exit 2
  ;;
esac
