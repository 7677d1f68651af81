#!/usr/bin/env bash
# Installs and starts a real single-node Slurm cluster for the slurm executor's tests.
#
# Target: a fresh Debian 12 machine (or container/VM) where we are root, only Debian's package
# mirror is reachable, and systemd is NOT PID 1, so every daemon is started directly.
# What it sets up (see docs/slurm-ci.md for the behaviour the executor can rely on):
#   - packages slurmctld, slurmd, slurm-client, munge (no slurmdbd: accounting is off);
#   - a munge key and a running munged;
#   - /etc/slurm/slurm.conf for this host: one node with the CPU count and memory that
#     `slurmd -C` reports, partitions `debug` (default) and `gpu`, two fake GPUs
#     (gres gpu:fake:2) backed by character devices under /dev/fakegpu*;
#   - slurmctld and slurmd running as root daemons; waits until the node is idle.
# Idempotent: a re-run with an unchanged config and healthy daemons changes nothing; a changed
# config (or a dead daemon) restarts both daemons, which keeps queued/running jobs (state save).
#
# Environment knobs:
#   SLURM_CI_CPUS     CPUs to declare for the node (default: real count from `slurmd -C`);
#                     more than the real count is allowed (SlurmdParameters=config_overrides).
#   SLURM_CI_WAIT     seconds to wait for the node to become idle (default 60).
#   SLURM_CI_RESTART  set to 1 to force a daemon restart even if nothing changed.
set -euo pipefail

WAIT_S="${SLURM_CI_WAIT:-60}"
CONF_DIR=/etc/slurm
STATE_DIR=/var/lib/slurm/slurmctld
SPOOL_DIR=/var/lib/slurm/slurmd
LOG_DIR=/var/log/slurm
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_KEY=/etc/munge/munge.key

log() { printf '[slurm-setup] %s\n' "$*" >&2; }
die() {
  printf '[slurm-setup] ERROR: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"

# Two test runs may call this at once; the second waits and then finds everything running.
# Daemons are started with fd 9 closed so they never hold this lock.
exec 9>/run/slurm-ci-setup.lock
flock -w 300 9 || die "another slurm-setup run holds /run/slurm-ci-setup.lock"

# --- packages -------------------------------------------------------------------------------
PKGS=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be absent on a fresh image; refresh them only when install fails.
  apt_install() {
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/slurm-setup-apt.log 2>&1
  }
  if ! apt_install; then
    log "install failed; running apt-get update and retrying"
    apt-get update -q >/tmp/slurm-setup-apt-update.log 2>&1 || die "apt-get update failed (see /tmp/slurm-setup-apt-update.log)"
    apt_install || die "apt-get install failed (see /tmp/slurm-setup-apt.log)"
  fi
fi

# --- munge ----------------------------------------------------------------------------------
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s "$MUNGE_KEY" ]; then
  log "creating munge key"
  dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
fi
chown munge:munge "$MUNGE_KEY"
chmod 0400 "$MUNGE_KEY"

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
  log "starting munged"
  # A stale socket/pid from a killed munged makes the new one refuse to start.
  if [ -f /run/munge/munged.pid ] && ! kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; then
    rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  fi
  runuser -u munge -- /usr/sbin/munged 9>&- || die "munged failed to start (see /var/log/munge/munged.log)"
  for _ in $(seq 1 50); do
    munge_ok && break
    sleep 0.1
  done
  munge_ok || die "munge does not work after starting munged"
fi

# --- fake GPUs ------------------------------------------------------------------------------
# gres.conf File= must name existing files. Character devices like a real /dev/nvidiaN keep
# us on the well-trodden path (regular files were not tried); copies of /dev/null (char 1:3)
# are harmless if a trial opens them.
for i in 0 1; do
  if [ ! -c "/dev/fakegpu$i" ]; then
    rm -f "/dev/fakegpu$i"
    mknod -m 0666 "/dev/fakegpu$i" c 1 3
  fi
done

# --- configuration --------------------------------------------------------------------------
HOST="$(hostname -s)"
NODE_LINE="$(slurmd -C | head -n1)" # NodeName=vm CPUs=2 Boards=1 ... RealMemory=24105
field() { printf '%s\n' "$NODE_LINE" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
REAL_CPUS="$(field CPUs)"
REAL_MEM="$(field RealMemory)"
[ -n "$REAL_CPUS" ] && [ -n "$REAL_MEM" ] || die "cannot parse 'slurmd -C': $NODE_LINE"
CPUS="${SLURM_CI_CPUS:-$REAL_CPUS}"
# Leave a little headroom: RealMemory above what slurmd measures drains the node.
MEM=$((REAL_MEM > 600 ? REAL_MEM - 100 : REAL_MEM))
# The node must resolve to an address slurmd can bind; fall back to loopback.
ADDR="$(getent ahostsv4 "$HOST" 2>/dev/null | awk 'NR==1{print $1}')"
ADDR="${ADDR:-127.0.0.1}"

install -d -m 0755 "$CONF_DIR" "$STATE_DIR" "$SPOOL_DIR" "$LOG_DIR"

new_conf="$(mktemp)"
new_gres="$(mktemp)"
trap 'rm -f "$new_conf" "$new_gres"' EXIT
cat >"$new_conf" <<EOF
# Written by .ci/slurm-setup.sh: single-node test cluster, accounting off. Do not edit by hand.
ClusterName=hbci
SlurmctldHost=${HOST}(${ADDR})
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=${STATE_DIR}
SlurmdSpoolDir=${SPOOL_DIR}
SlurmctldPidFile=${CTLD_PID}
SlurmdPidFile=${SLURMD_PID}
SlurmctldLogFile=${LOG_DIR}/slurmctld.log
SlurmdLogFile=${LOG_DIR}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldPort=6817
SlurmdPort=6818
# No cgroups: containers rarely delegate them, and the tests need no enforcement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# A plain-text line per finished job (state, exit code); sacct cannot read it.
JobCompType=jobcomp/filetxt
JobCompLoc=${LOG_DIR}/jobcomp.log
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
SchedulerType=sched/backfill
# A pending job "reserves" the node against later jobs in the main scheduler's pass; a
# backfill pass every second lets a CPU-only job start beside a GPU job that waits.
SchedulerParameters=bf_interval=1
SelectType=select/cons_tres
# CPUs only: tracking memory would hand each job the whole node's memory by default.
SelectTypeParameters=CR_CPU
GresTypes=gpu
# Short timers so cancellations, time limits and restarts are quick in tests.
ReturnToService=2
MessageTimeout=5
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
MinJobAge=60
OverTimeLimit=0
Waittime=0
SlurmdParameters=config_overrides
NodeName=${HOST} NodeAddr=${ADDR} CPUs=${CPUS} RealMemory=${MEM} Gres=gpu:fake:2 State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=${HOST} Default=NO MaxTime=INFINITE State=UP
EOF
cat >"$new_gres" <<EOF
# Written by .ci/slurm-setup.sh: two fake GPUs (copies of /dev/null).
NodeName=${HOST} Name=gpu Type=fake File=/dev/fakegpu[0-1]
EOF

changed=0
install_if_changed() { # src dst
  if ! cmp -s "$1" "$2"; then
    install -m 0644 "$1" "$2"
    changed=1
  fi
}
install_if_changed "$new_conf" "$CONF_DIR/slurm.conf"
install_if_changed "$new_gres" "$CONF_DIR/gres.conf"

# --- daemons --------------------------------------------------------------------------------
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop() { # pidfile name
  if alive "$1"; then
    local pid
    pid="$(cat "$1")"
    log "stopping $2 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$2 ignored SIGTERM; sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$1"
}

if [ "$changed" = 1 ] || [ "${SLURM_CI_RESTART:-0}" = 1 ] || ! alive "$CTLD_PID" || ! alive "$SLURMD_PID"; then
  stop "$SLURMD_PID" slurmd
  stop "$CTLD_PID" slurmctld
  log "starting slurmctld"
  slurmctld 9>&- || die "slurmctld failed to start (see $LOG_DIR/slurmctld.log)"
  for _ in $(seq 1 100); do
    scontrol ping 2>/dev/null | grep -q 'is UP' && break
    sleep 0.1
  done
  scontrol ping 2>/dev/null | grep -q 'is UP' || die "slurmctld does not answer (see $LOG_DIR/slurmctld.log)"
  log "starting slurmd"
  slurmd 9>&- || die "slurmd failed to start (see $LOG_DIR/slurmd.log)"
else
  log "config unchanged and daemons running; not restarting"
fi

# --- wait for the node ----------------------------------------------------------------------
state=""
deadline=$((SECONDS + WAIT_S))
resumed=0
while [ "$SECONDS" -lt "$deadline" ]; do
  state="$(sinfo -h -N -n "$HOST" -o '%T' 2>/dev/null | head -n1 || true)"
  case "$state" in
  idle | mixed | allocated | completing) break ;;
  down* | drain* | fail* | inval*)
    # ReturnToService=2 handles most cases; a state saved from an earlier run may not be.
    if [ "$resumed" -lt 3 ]; then
      log "node is $state; resuming"
      scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
      resumed=$((resumed + 1))
    fi
    ;;
  esac
  sleep 0.5
done
case "$state" in
idle | mixed | allocated | completing) ;;
*)
  sinfo -R >&2 || true
  tail -n 20 "$LOG_DIR/slurmd.log" >&2 || true
  die "node $HOST is '${state:-unknown}' after ${WAIT_S}s, not idle"
  ;;
esac
log "ready: node $HOST is $state ($CPUS CPUs, ${MEM} MB, gpu:fake:2); partitions debug (default), gpu"
