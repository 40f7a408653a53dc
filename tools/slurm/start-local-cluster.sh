#!/usr/bin/env bash
# Brings up a single-node Slurm cluster on this machine for tests and CI: munged, slurmctld and slurmd, loopback only,
# no systemd, no cgroups, no accounting database. Idempotent: a daemon already running (per its PID file) is left
# alone, so running it twice is cheap. See tools/slurm/README.md.
#
#   bash tools/slurm/start-local-cluster.sh
#   source "${TPROP_SLURM_DIR:-/tmp/tprop-slurm}/env.sh"      # sets SLURM_CONF for sbatch, squeue, srun, scontrol
#   bash tools/slurm/stop-local-cluster.sh [--purge]
#
# Everything it writes (config, munge key and socket, controller state, spool, logs, PID files) is under
# $TPROP_SLURM_DIR. Installing the packages (only when missing) is the one thing that touches the system.
# Must run as root: slurmd has to be root to launch jobs, and SlurmUser/SlurmdUser are root here.
set -euo pipefail

started_us=${EPOCHREALTIME/./}
dir=${TPROP_SLURM_DIR:-/tmp/tprop-slurm}
ctld_port=${TPROP_SLURM_CTLD_PORT:-6817}
slurmd_port=${TPROP_SLURM_SLURMD_PORT:-6818}
timeout_s=${TPROP_SLURM_TIMEOUT:-60}
min_job_age=${TPROP_SLURM_MIN_JOB_AGE:-3600}
node=$(hostname -s)
cpus=$(nproc)
conf=$dir/etc/slurm.conf
msock=$dir/munge/munge.socket.2
# A root shell started by cron or sudo may lack the sbin directories, where Debian puts the daemons.
export PATH=$PATH:/usr/sbin:/sbin

die() { echo "start-local-cluster: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd launches jobs and the daemons run as root); try: sudo bash $0"
case $dir in /*) ;; *) die "TPROP_SLURM_DIR must be an absolute path, not '$dir'" ;; esac
[ "$dir" != / ] || die "TPROP_SLURM_DIR must not be /"

# --- 1. Packages, only when one is missing -----------------------------------------------------------------------
packages=(munge slurmctld slurmd slurm-client)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "start-local-cluster: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The packages' maintainer scripts would start the stock services (a munged on /run/munge, a slurmd with no usable
  # config) through invoke-rc.d; a policy-rc.d that exits 101 forbids that. Ours only if there is none already.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, from tools/slurm/start-local-cluster.sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
    trap 'rm -f "$policy"' EXIT
  fi
  apt_log=$(mktemp /tmp/tprop-slurm-apt.XXXXXX)
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "installing ${missing[*]} failed; the whole apt-get output is in $apt_log"
  fi
  rm -f "$apt_log"
  if [ $own_policy -eq 1 ]; then rm -f "$policy"; trap - EXIT; fi
  echo "start-local-cluster: installed in $(( (${EPOCHREALTIME/./} - started_us) / 1000 )) ms" >&2
fi

# --- 2. The state folder -----------------------------------------------------------------------------------------
# munged insists on a socket folder that everyone may traverse (o+x) and on no group/other-writable folder above its
# key and socket (unless sticky, like /tmp); so 0755 / 0711 and a 0400 key, whatever the caller's umask.
umask 022
mkdir -p "$dir"/{etc,munge,state,spool,log,run}
chmod 0755 "$dir" "$dir/etc" "$dir/log" "$dir/run" "$dir/spool"
chmod 0711 "$dir/munge"
chmod 0700 "$dir/state"
touch "$dir/.tprop-slurm"   # marks the folder as ours, so that stop --purge may delete it

# --- 3. slurm.conf -----------------------------------------------------------------------------------------------
# NoInAddrAny makes slurmd bind only to the address its hostname resolves to; when that is not a loopback address
# (or nothing), slurmd would give up after 10 s with "Unable to resolve", so it is only set for a 127.x hostname.
if getent hosts "$node" | awk '{print $1}' | grep -q '^127\.'; then
  comm_params="CommunicationParameters=NoInAddrAny"
else
  comm_params="# CommunicationParameters=NoInAddrAny left out: '$node' does not resolve to 127.x"
fi
cat >"$conf.new" <<EOF
# Written by tools/slurm/start-local-cluster.sh: one node, loopback only, root, no cgroups, no accounting database.
ClusterName=tprop
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$msock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$comm_params
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.log
MinJobAge=$min_job_age
SlurmdParameters=config_overrides
ReturnToService=2
InactiveLimit=0
KillWait=5
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
if cmp -s "$conf.new" "$conf"; then
  rm -f "$conf.new"
  conf_changed=0
else
  mv "$conf.new" "$conf"
  conf_changed=1
fi

client_dir=$(dirname "$(command -v sbatch)")
{
  echo "# Written by tools/slurm/start-local-cluster.sh; source it to use the local cluster."
  echo "export SLURM_CONF=$conf"
  echo "export TPROP_SLURM_DIR=$dir"
  case ":$PATH:" in *":$client_dir:"*) ;; *) echo "export PATH=$client_dir:\$PATH" ;; esac
} >"$dir/env.sh"
export SLURM_CONF=$conf

# --- 4. Daemons --------------------------------------------------------------------------------------------------
# running NAME PIDFILE: the PID file names a live process (not a zombie) whose command is NAME.
running() {
  local pid stat
  [ -s "$2" ] || return 1
  pid=$(<"$2")
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]   # not a zombie (kill -0 would succeed on one)
}
# start_daemon NAME PIDFILE LOG COMMAND...: runs COMMAND (which daemonizes) unless NAME already runs, then waits for
# its PID file. A daemon that is already running keeps the configuration it started with.
start_daemon() {
  local name=$1 pidfile=$2 logfile=$3 i
  shift 3
  if running "$name" "$pidfile"; then
    [ $conf_changed -eq 0 ] || [ "$name" = munged ] || echo "start-local-cluster: $name already runs with an older slurm.conf; stop and start again to apply it" >&2
    return 0
  fi
  rm -f "$pidfile"
  "$@" || die "$name failed to start (exit $?); read $logfile"
  for ((i = 0; i < 100; i++)); do
    running "$name" "$pidfile" && return 0
    sleep 0.05
  done
  die "$name is not running 5 s after it was started; read $logfile"
}
# port_free PORT: nothing listens on TCP PORT (from /proc/net/tcp{,6}: local address :PORT in hex, state 0A = LISTEN).
port_free() {
  local hex
  hex=$(printf '%04X' "$1")
  ! awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" {found = 1} END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
check_port() {  # NAME PIDFILE PORT VARIABLE
  running "$1" "$2" || port_free "$3" ||
    die "TCP port $3 for $1 is taken by another program (another Slurm cluster?); set $4 to a free port"
}

check_port slurmctld "$dir/run/slurmctld.pid" "$ctld_port" TPROP_SLURM_CTLD_PORT
check_port slurmd "$dir/run/slurmd.pid" "$slurmd_port" TPROP_SLURM_SLURMD_PORT

key=$dir/munge/munge.key
if [ ! -s "$key" ]; then
  if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$key"
  else
    dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
  fi
fi
chmod 0400 "$key"
if ! running munged "$dir/munge/munged.pid"; then rm -f "$msock" "$msock.lock"; fi
# --origin: munged would otherwise look its hostname up and warn when that fails; all traffic is local anyway.
start_daemon munged "$dir/munge/munged.pid" "$dir/munge/munged.log" \
  munged --key-file="$key" --socket="$msock" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" --origin=127.0.0.1
munge -n -S "$msock" | unmunge -S "$msock" >/dev/null ||
  die "munge cannot encode and decode a credential on $msock; read $dir/munge/munged.log"

start_daemon slurmctld "$dir/run/slurmctld.pid" "$dir/log/slurmctld.log" slurmctld -f "$conf"
# -N: the node name, so that slurmd does not depend on how the hostname resolves.
start_daemon slurmd "$dir/run/slurmd.pid" "$dir/log/slurmd.log" slurmd -f "$conf" -N "$node"

# --- 5. Ready: the node reports idle (or busy, when restarted with jobs still running) -----------------------------
deadline_us=$((started_us + timeout_s * 1000000))
while :; do
  state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
  case $state in idle | mixed | allocated) break ;; esac
  if [ "${EPOCHREALTIME/./}" -ge "$deadline_us" ]; then
    die "node $node is not ready after ${timeout_s} s (sinfo says '${state:-nothing}'); read $dir/log/slurmd.log and $dir/log/slurmctld.log"
  fi
  sleep 0.05
done

elapsed_ms=$(( (${EPOCHREALTIME/./} - started_us) / 1000 ))
printf 'local Slurm cluster up in %d.%03d s: node %s %s, %d CPUs, state in %s; source %s/env.sh\n' \
  $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$node" "$state" "$cpus" "$dir" "$dir"
