#!/usr/bin/env bash
# A three-node RabbitMQ cluster whose nodes can be cut off from each other: each node runs in a
# network namespace of its own, so a network partition can be made with routes (there is no
# iptables or nft on the test machines). For test/cluster/partition.test.ts; needs root.
#
#   scripts/partition-cluster.sh start         make the network, start the nodes, join them (idempotent)
#   scripts/partition-cluster.sh stop          kill the nodes, remove namespaces, bridge and data (idempotent)
#   scripts/partition-cluster.sh status        each node's state, and the cluster as a running node sees it
#   scripts/partition-cluster.sh uris          the AMQP URI of each node, one a line
#   scripts/partition-cluster.sh partition N   cut node N (1-3) off from the two others (clients still reach it)
#   scripts/partition-cluster.sh heal N        undo `partition N`
#   scripts/partition-cluster.sh ctl N ARGS... rabbitmqctl against node N
#   scripts/partition-cluster.sh check         exit 0 if this machine can run it, else say why and exit 1
#
# The network: a bridge enokipbr0 (10.213.0.254/24) in the root namespace, where the clients run,
# and namespaces enoki-p1..3, each joined to it by a veth pair and holding 10.213.0.N. Node
# enoki-pN@10.213.0.N (long names) listens for AMQP on 10.213.0.N:5672, runs its own epmd inside
# its namespace, and keeps its config, data, logs and the cluster's Erlang cookie under
# $ENOKI_PARTITION_DIR (default /tmp/enoki-partition). Nothing here uses the loopback cluster of
# scripts/cluster.sh or the machine's default broker: other namespaces, other ports, other files.
#
# A partition is made of blackhole routes: node N's namespace drops what it sends to the other
# nodes, and theirs drop what they send to node N. The root namespace keeps its routes to all
# three, so the clients of node N stay connected to a node cut off from its peers.
set -euo pipefail

BASE=${ENOKI_PARTITION_DIR:-/tmp/enoki-partition}
RMQ_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}
NODES=(1 2 3)
BRIDGE=enokipbr0
SUBNET=10.213.0

node_ip() { echo "$SUBNET.$1"; }
node_name() { echo "enoki-p$1@$(node_ip "$1")"; }
netns() { echo "enoki-p$1"; }
# The root namespace's end of node N's veth pair (the other end is eth0 in the namespace).
host_veth() { echo "enokipv$1"; }

# Runs a command in node N's namespace and environment: everything RabbitMQ would otherwise take
# from /etc/rabbitmq or /var/lib/rabbitmq points into the node's own directory. HOME holds the
# cluster's cookie, which the nodes and rabbitmqctl read.
with_node() { # node, command...
  local n=$1 dir="$BASE/node$1"
  shift
  (
    export HOME="$BASE/home"
    export RABBITMQ_NODENAME="$(node_name "$n")" RABBITMQ_USE_LONGNAME=true
    export RABBITMQ_NODE_IP_ADDRESS="$(node_ip "$n")" RABBITMQ_NODE_PORT=5672
    export RABBITMQ_DIST_PORT=25672
    export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"
    export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_MNESIA_DIR="$dir/mnesia/$(node_name "$n")"
    export RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbit.pid"
    export RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags"
    # The peers ask this namespace's epmd for the node's port over the bridge, rabbitmqctl over
    # loopback: both addresses (the namespace's own, so never the root namespace's epmd).
    export ERL_EPMD_ADDRESS="127.0.0.1,$(node_ip "$n")"
    export ERL_CRASH_DUMP="$dir/erl_crash.dump"
    unset ERL_FLAGS
    ip netns exec "$(netns "$n")" "$@"
  )
}

ctl() { # node, rabbitmqctl arguments...
  local n=$1
  shift
  with_node "$n" "$RMQ_BIN/rabbitmqctl" -l -n "$(node_name "$n")" "$@"
}

has_netns() { ip netns list 2>/dev/null | grep -qw "^$(netns "$1")"; }

running() { has_netns "$1" && [ -f "$BASE/home/.erlang.cookie" ] && ctl "$1" -q status >/dev/null 2>&1; }

make_network() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$SUBNET.254/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  for n in "${NODES[@]}"; do
    has_netns "$n" || ip netns add "$(netns "$n")"
    if ! ip link show "$(host_veth "$n")" >/dev/null 2>&1; then
      ip link add "$(host_veth "$n")" type veth peer name eth0 netns "$(netns "$n")"
      ip -n "$(netns "$n")" addr add "$(node_ip "$n")/24" dev eth0
    fi
    ip link set "$(host_veth "$n")" master "$BRIDGE" up
    ip -n "$(netns "$n")" link set eth0 up
    ip -n "$(netns "$n")" link set lo up
  done
}

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
listeners.tcp.1 = $(node_ip "$n"):5672
loopback_users = none
# A lost peer is noticed within net_ticktime (seconds), so a partition takes effect in seconds.
net_ticktime = 10
cluster_partition_handling = pause_minority
log.file.level = info
EOF
    echo "[]." >"$dir/advanced.config"
  done
}

start_node() {
  local n=$1
  if running "$n"; then return 0; fi
  with_node "$n" "$RMQ_BIN/rabbitmq-server" -detached >/dev/null 2>&1 || true
  # -detached returns at once: wait until the VM answers, then until it runs the rabbit application.
  local tries=0
  until ctl "$n" -q ping >/dev/null 2>&1 || [ $tries -ge 60 ]; do
    tries=$((tries + 1))
    sleep 1
  done
  if ! ctl "$n" -q --timeout 120 await_startup >/dev/null 2>&1; then
    # `stop` removes the logs: their end goes to stderr first.
    echo "node $(node_name "$n") did not start; the end of its logs:" >&2
    tail -n 30 "$BASE/node$n"/log/* >&2 2>/dev/null || true
    return 1
  fi
}

in_cluster() { # node: whether node 1 counts it among the running nodes
  ctl 1 -q cluster_status --formatter json 2>/dev/null | grep -q "\"$(node_name "$1")\""
}

join_node() {
  local n=$1
  if in_cluster "$n"; then return 0; fi
  # rabbitmqctl prints the joining node's start-up warnings: kept in a file, shown if the join fails.
  local log="$BASE/node$n/join.log"
  if ! { ctl "$n" -q stop_app && ctl "$n" -q reset && ctl "$n" -q join_cluster "$(node_name 1)" &&
    ctl "$n" -q start_app; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "node $(node_name "$n") did not join the cluster" >&2
    return 1
  fi
}

cmd_start() {
  make_network
  prepare
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in 2 3; do join_node "$n"; done
  echo "cluster running: $(node_name 1) $(node_name 2) $(node_name 3), AMQP on $SUBNET.1-3:5672"
}

# Kills every process in node N's namespace (the node, its epmd, any stuck rabbitmqctl): they are
# all this script's, and a paused or cut-off node may not answer `rabbitmqctl stop`.
kill_namespace() {
  local n=$1 pids
  has_netns "$n" || return 0
  pids=$(ip netns pids "$(netns "$n")" 2>/dev/null || true)
  [ -z "$pids" ] && return 0
  # shellcheck disable=SC2086 # one pid a word
  kill $pids 2>/dev/null || true
  local tries=0
  while [ -n "$(ip netns pids "$(netns "$n")" 2>/dev/null)" ] && [ $tries -lt 20 ]; do
    tries=$((tries + 1))
    sleep 0.5
  done
  pids=$(ip netns pids "$(netns "$n")" 2>/dev/null || true)
  # shellcheck disable=SC2086
  if [ -n "$pids" ]; then kill -9 $pids 2>/dev/null || true; fi
}

cmd_stop() {
  for n in "${NODES[@]}"; do
    if running "$n"; then ctl "$n" -q stop >/dev/null 2>&1 || true; fi
    kill_namespace "$n"
    # Deleting the namespace deletes its end of the veth pair, and with it the root namespace's end.
    if has_netns "$n"; then ip netns delete "$(netns "$n")"; fi
    if ip link show "$(host_veth "$n")" >/dev/null 2>&1; then ip link delete "$(host_veth "$n")"; fi
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link delete "$BRIDGE"; fi
  rm -rf "$BASE"
  echo "partition cluster stopped; namespaces, bridge and $BASE removed"
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
  for n in "${NODES[@]}"; do echo "amqp://guest:guest@$(node_ip "$n"):5672/"; done
}

# A blackhole route in a namespace: add it if absent, or delete it if present (idempotent).
blackhole() { # add|del, in node's namespace, prefix
  local op=$1 ns
  ns=$(netns "$2")
  local exists
  exists=$(ip -n "$ns" route show type blackhole "$3" 2>/dev/null)
  if [ "$op" = add ] && [ -z "$exists" ]; then ip -n "$ns" route add blackhole "$3"; fi
  if [ "$op" = del ] && [ -n "$exists" ]; then ip -n "$ns" route del blackhole "$3"; fi
}

# Node N's side of the cut is one route, $SUBNET.0/25, which covers every node's address but not
# the bridge's (.254, where the clients' connections come from: the connected /24 route still
# carries it). One route makes both of N's links go down, and come back, at the same instant.
# Links that come back one at a time would let N reach one peer and not the other for a moment:
# an overlapping partition, after which Erlang's `global` can hang and N never finishes booting.
cmd_partition() { # node
  local n=$1
  blackhole add "$n" "$SUBNET.0/25"
  for m in "${NODES[@]}"; do [ "$m" = "$n" ] || blackhole add "$m" "$(node_ip "$n")/32"; done
}

# The peers' routes go first: while N's own route holds, no connection to N can form, so N's links
# all come back together when it goes.
cmd_heal() { # node
  local n=$1
  for m in "${NODES[@]}"; do [ "$m" = "$n" ] || blackhole del "$m" "$(node_ip "$n")/32"; done
  blackhole del "$n" "$SUBNET.0/25"
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

# Tried, not assumed: root in a container may list namespaces yet lack the capability to make one,
# or the kernel the bridge and veth drivers.
cmd_check() {
  if [ "$(id -u)" != 0 ]; then
    echo "needs root (network namespaces)"
    return 1
  fi
  if [ ! -x "$RMQ_BIN/rabbitmq-server" ]; then
    echo "no rabbitmq-server in $RMQ_BIN"
    return 1
  fi
  local probe="enoki-probe-$$" why=""
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "cannot make a network namespace (ip netns add)"
    return 1
  fi
  ip -n "$probe" link add enokiprobe0 type bridge 2>/dev/null || why="cannot make a bridge"
  [ -n "$why" ] || ip -n "$probe" link add enokiprobe1 type veth peer name enokiprobe2 2>/dev/null ||
    why="cannot make a veth pair"
  ip netns delete "$probe"
  if [ -n "$why" ]; then
    echo "$why"
    return 1
  fi
}

case "${1:-}" in
check) cmd_check ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
uris) cmd_uris ;;
partition)
  check_node "${2:-}"
  cmd_partition "$2"
  ;;
heal)
  check_node "${2:-}"
  cmd_heal "$2"
  ;;
ctl)
  check_node "${2:-}"
  n=$2
  shift 2
  ctl "$n" "$@"
  ;;
*)
  sed -n '2,12p' "$0" >&2
  exit 2
  ;;
esac
