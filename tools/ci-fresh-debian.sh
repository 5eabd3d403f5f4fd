#!/usr/bin/env bash
# ci-fresh-debian.sh - prove that a repository's `.ci/run` works on a fresh Debian 12 machine.
#
# What it does:
#   1. Installs the host tools it needs (debootstrap, tinyproxy, socat) when missing.
#   2. Builds a pristine Debian 12 (bookworm, minbase) tree once, at $BASE, and adds what the
#      CI image preinstalls: Node.js + npm (copied from this host), bookworm-updates and
#      bookworm-security sources, /etc/hosts. Reused on later runs (delete $BASE to rebuild).
#   3. For every run, copies the pristine tree to a scratch dir ($SCRATCH) so that nothing
#      `.ci/run` installs is already present, and clones the repository into /root/repo.
#   4. Runs `CI=true bash .ci/run` chrooted in the copy, inside new network, PID and mount
#      namespaces: the chroot has its own loopback, so it cannot see services on the host's
#      127.0.0.1 and must install and start its own MariaDB and Redis.
#      The only way out is an HTTP proxy at 127.0.0.1:3128 inside the namespace (socat), which
#      is relayed over a unix socket to tinyproxy on the host; tinyproxy allows only the Debian
#      mirror and the npm registry.
#   5. Logs everything to $LOG and prints a short summary. On exit every process in the
#      namespace is killed (the PID namespace dies with its init), mounts vanish with the
#      mount namespace, the host-side relay and proxy are stopped, and the scratch copy is
#      removed (set KEEP_SCRATCH=1 to keep it for inspection).
#
# Usage:  tools/ci-fresh-debian.sh [REPO_PATH]    (default: the repository this script is in)
# Environment knobs: BASE, SCRATCH, LOG_DIR, RUN_TIMEOUT (seconds, default 3000),
#                    MIRROR, KEEP_SCRATCH=1, REF (commit/branch to check out; default HEAD).
# Must run as root. Exit status is that of `.ci/run` (124 on timeout), or 2 for harness errors.
set -euo pipefail

REPO_SRC=${1:-$(cd "$(dirname "$0")/.." && pwd)}
BASE=${BASE:-/var/tmp/fresh-debian}
SCRATCH=${SCRATCH:-/var/tmp/fresh-debian-run}
LOG_DIR=${LOG_DIR:-/var/tmp/ci-fresh-debian-logs}
RUN_TIMEOUT=${RUN_TIMEOUT:-3000}
# The Debian mirror and the npm registry this host uses: the only hosts the run may reach.
MIRROR=${MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | grep -oE '^(URIs:|deb) +https?://[^ ]+' | grep -v security | head -n 1 | awk '{print $2}' || true)}
[ -n "$MIRROR" ] || { echo "no Debian mirror found in /etc/apt; set MIRROR" >&2; exit 2; }
NPM_REGISTRY=$(npm config get registry 2>/dev/null)
SUITE=bookworm
PROXY_PORT_NS=3128                      # proxy address seen inside the namespace
STATE_DIR=/run/ci-fresh-debian.$$       # host-only files: proxy config, unix socket
host_of() { local h=${1#*://}; echo "${h%%/*}"; }
ALLOWED_HOSTS=("$(host_of "$MIRROR")" "$(host_of "$NPM_REGISTRY")")

mkdir -p "$LOG_DIR"
LOG=${LOG:-$LOG_DIR/run-$(date +%Y%m%d-%H%M%S).log}
exec > >(tee -a "$LOG") 2>&1

say() { printf '[harness %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { say "ERROR: $*"; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ -d "$REPO_SRC/.git" ] || die "$REPO_SRC is not a git repository"
case "$SCRATCH" in /|/var|/var/tmp|/tmp|"") die "refusing SCRATCH=$SCRATCH";; esac

PIDS=()
cleanup() {
  local rc=$?
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  # Mounts live in the run's private mount namespace and die with it; this is a safety net.
  if [ -d "$SCRATCH" ]; then
    findmnt -rn -o TARGET | grep -F "$SCRATCH/" | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
    if [ "${KEEP_SCRATCH:-0}" != 1 ]; then
      if findmnt -rn -o TARGET | grep -qF "$SCRATCH"; then
        say "scratch still has mounts; not removing $SCRATCH"
      else
        rm -rf --one-file-system "$SCRATCH"
      fi
    fi
  fi
  rm -rf "$STATE_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_time=$(date +%s)
say "log: $LOG"
say "repository: $REPO_SRC @ $(git -C "$REPO_SRC" rev-parse --short "${REF:-HEAD}")"

# ---------------------------------------------------------------- 1. host tools
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v tinyproxy >/dev/null || [ -x /usr/bin/tinyproxy ] || need+=(tinyproxy)
command -v socat >/dev/null || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  say "installing host tools: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ---------------------------------------------------------------- 2. pristine tree
if [ ! -e "$BASE/.pristine-complete" ]; then
  say "building pristine $SUITE tree at $BASE (debootstrap minbase)"
  rm -rf --one-file-system "$BASE.partial"
  debootstrap --variant=minbase "$SUITE" "$BASE.partial" "$MIRROR" >"$LOG_DIR/debootstrap.log" 2>&1 \
    || die "debootstrap failed, see $LOG_DIR/debootstrap.log"
  # Sources as on a stock Debian 12 machine.
  cat >"$BASE.partial/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
  [ -s "$BASE.partial/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$BASE.partial/etc/hosts"
  echo ci-fresh >"$BASE.partial/etc/hostname"
  # Node.js + npm as the CI image has them preinstalled: the host's node binary and its
  # global node_modules (npm, corepack) with their /usr/bin links.
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$node_bin")/../lib/node_modules
  npm_dir=$(readlink -f "$npm_dir")
  [ -d "$npm_dir/npm" ] || die "cannot find npm next to $node_bin"
  install -D -m 0755 "$node_bin" "$BASE.partial/usr/bin/node"
  mkdir -p "$BASE.partial/usr/lib"
  cp -a "$npm_dir" "$BASE.partial/usr/lib/node_modules"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$BASE.partial/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$BASE.partial/usr/bin/npx"
  [ -d "$npm_dir/corepack" ] && ln -sf ../lib/node_modules/corepack/dist/corepack.js "$BASE.partial/usr/bin/corepack"
  chroot "$BASE.partial" /usr/bin/node -v >/dev/null || die "node does not run in the chroot"
  apt_clean=$(chroot "$BASE.partial" sh -c 'rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; echo ok')
  [ "$apt_clean" = ok ] || die "could not clean apt state"
  touch "$BASE.partial/.pristine-complete"
  rm -rf --one-file-system "$BASE"
  mv "$BASE.partial" "$BASE"
fi
say "pristine tree: $BASE (node $(chroot "$BASE" /usr/bin/node -v), npm $(chroot "$BASE" /usr/bin/node /usr/lib/node_modules/npm/bin/npm-cli.js -v 2>/dev/null))"

# ---------------------------------------------------------------- 3. scratch copy + clone
if [ -e "$SCRATCH" ]; then
  findmnt -rn -o TARGET | grep -qF "$SCRATCH" && die "$SCRATCH has mounts; unmount it first"
  rm -rf --one-file-system "$SCRATCH"
fi
say "copying pristine tree to $SCRATCH"
cp -a "$BASE" "$SCRATCH"
rm -f "$SCRATCH/.pristine-complete"
cp -L /etc/resolv.conf "$SCRATCH/etc/resolv.conf" 2>/dev/null || true
# A host whose egress re-signs TLS with a local CA that it trusts (its extra CAs
# under /usr/local/share/ca-certificates). Node must trust it too or npm cannot fetch; pass it
# via NODE_EXTRA_CA_CERTS (adds to Node's bundled roots) from a file outside the system
# CA store, so the tree stays as fresh as before. Override with EXTRA_CA=/path or EXTRA_CA=none.
EXTRA_CA=${EXTRA_CA:-}
if [ -z "$EXTRA_CA" ] && ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  cat /usr/local/share/ca-certificates/*.crt >"$SCRATCH/etc/ci-harness-extra-ca.pem"
  EXTRA_CA=/etc/ci-harness-extra-ca.pem
elif [ -n "$EXTRA_CA" ] && [ "$EXTRA_CA" != none ]; then
  cp "$EXTRA_CA" "$SCRATCH/etc/ci-harness-extra-ca.pem"
  EXTRA_CA=/etc/ci-harness-extra-ca.pem
else
  EXTRA_CA=none
fi
say "extra CA for node: $EXTRA_CA"
git clone -q --no-hardlinks "$REPO_SRC" "$SCRATCH/root/repo"
[ -n "${REF:-}" ] && git -C "$SCRATCH/root/repo" checkout -q "$REF"
say "cloned $(git -C "$SCRATCH/root/repo" log -1 --format='%h %s' | cut -c1-100)"
say "packages in the fresh tree: $(chroot "$SCRATCH" dpkg-query -W -f '${binary:Package}\n' | wc -l);" \
    "already present of .ci/run's list: $(chroot "$SCRATCH" dpkg-query -W -f '${binary:Package} ' \
      mariadb-server mariadb-client nginx-light php-fpm php-cli gettext-base redis-server wrk 2>/dev/null || true)"

# ---------------------------------------------------------------- 4. egress: proxy + relay
mkdir -p "$STATE_DIR"
chmod 0711 "$STATE_DIR"
proxy_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)
{
  for h in "${ALLOWED_HOSTS[@]}"; do printf '^%s$\n' "${h//./\\.}"; done
} >"$STATE_DIR/filter"
cat >"$STATE_DIR/tinyproxy.conf" <<EOF
User tinyproxy
Group tinyproxy
Port $proxy_port
Listen 127.0.0.1
Timeout 600
MaxClients 100
LogLevel Connect
Allow 127.0.0.1
ConnectPort 443
Filter "$STATE_DIR/filter"
FilterDefaultDeny Yes
DisableViaHeader Yes
EOF
chmod 0644 "$STATE_DIR/filter" "$STATE_DIR/tinyproxy.conf"
tinyproxy -d -c "$STATE_DIR/tinyproxy.conf" >"$LOG_DIR/tinyproxy.log" 2>&1 &
PIDS+=($!)
SOCK=$STATE_DIR/proxy.sock
socat UNIX-LISTEN:"$SOCK",fork,mode=0600 TCP:127.0.0.1:"$proxy_port" 2>>"$LOG_DIR/tinyproxy.log" &
PIDS+=($!)
for _ in $(seq 50); do
  [ -S "$SOCK" ] && (exec 3<>/dev/tcp/127.0.0.1/"$proxy_port") 2>/dev/null && break
  sleep 0.2
done
[ -S "$SOCK" ] || die "proxy relay socket did not appear"
say "egress: tinyproxy 127.0.0.1:$proxy_port (only: ${ALLOWED_HOSTS[*]}) via $SOCK"

# ---------------------------------------------------------------- 5. run in namespaces
# The inner script runs as PID 1 of new PID/net/mount namespaces; when it exits the kernel
# kills every process left in the namespace (daemonized mariadbd, redis-server, ...).
inner=$STATE_DIR/inner.sh
cat >"$inner" <<'INNER'
set -u
R=$1 SOCK=$2 PORT=$3 TMO=$4 CA=$5
ca_env=()
[ "$CA" != none ] && ca_env=(NODE_EXTRA_CA_CERTS="$CA")
mount --make-rprivate /
ip link set lo up
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
mkdir -p "$R/run/lock"
# Proxy endpoint on the namespace's own loopback, relayed to the host through the socket.
socat TCP-LISTEN:"$PORT",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$SOCK" &
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
echo "[ns] loopback: $(ip -br addr show lo | tr -s ' ')"
echo "[ns] listening before the run: $(ss -ltnH 2>/dev/null | awk '{print $4}' | tr '\n' ' ')"
P=http://127.0.0.1:$PORT
chroot "$R" /usr/bin/env -i \
  HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  CI=true \
  http_proxy=$P https_proxy=$P HTTP_PROXY=$P HTTPS_PROXY=$P \
  no_proxy=localhost,127.0.0.1,::1 NO_PROXY=localhost,127.0.0.1,::1 \
  "${ca_env[@]}" \
  /bin/bash -c "cd /root/repo && exec timeout --kill-after=30 $TMO bash .ci/run"
rc=$?
echo "[ns] .ci/run exit status: $rc"
left=""
for d in "$R"/proc/[0-9]*; do
  p=${d##*/}; [ "$p" = 1 ] && continue
  read -r c <"$d/comm" 2>/dev/null && left+="$c($p) "
done
echo "[ns] processes left in the namespace (killed when it ends): ${left:-none}"
echo "[ns] listening after the run: $(ss -ltnpH 2>/dev/null | awk '{print $4, $6}' | tr '\n' ';')"
exit $rc
INNER

say "running: CI=true bash .ci/run (timeout ${RUN_TIMEOUT}s) in chroot $SCRATCH, own net/pid/mount namespaces"
run_start=$(date +%s)
set +e
unshare --net --pid --mount --fork --propagation private \
  bash "$inner" "$SCRATCH" "$SOCK" "$PROXY_PORT_NS" "$RUN_TIMEOUT" "$EXTRA_CA"
rc=$?
set -e
run_end=$(date +%s)

# ---------------------------------------------------------------- 6. summary
installed=$(grep -F '== installing ' "$LOG" | tail -1 | sed 's/^== installing //' || true)
say "summary ------------------------------------------------------------"
say "packages .ci/run installed: ${installed:-<none>}"
say "services .ci/run started: $(grep -E '^== starting ' "$LOG" | sed 's/^== starting //' | tr '\n' ' ')"
sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -E '^ *(Test Files|Tests|Duration) ' | tail -3 | sed 's/^ */[harness] vitest: /' || true
say "proxied requests: $(grep -c 'Request (file descriptor' "$LOG_DIR/tinyproxy.log" 2>/dev/null || true)," \
    "refused by filter: $(grep -ci 'filtered' "$LOG_DIR/tinyproxy.log" 2>/dev/null || true)"
say ".ci/run exit status: $rc; run time $((run_end - run_start))s; total $(( $(date +%s) - start_time ))s"
exit "$rc"
