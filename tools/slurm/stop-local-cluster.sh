#!/usr/bin/env bash
# Stops the cluster that tools/slurm/start-local-cluster.sh started: cancels its jobs and waits for them, then stops
# slurmd, slurmctld and munged by their PID files (never by process name), then kills any slurmstepd of this cluster
# that survived, with its session. Safe when nothing runs (exit 0).
#
#   bash tools/slurm/stop-local-cluster.sh            # stop; keep $TPROP_SLURM_DIR (config, key, state, logs)
#   bash tools/slurm/stop-local-cluster.sh --purge    # stop and delete $TPROP_SLURM_DIR
set -euo pipefail

started_us=${EPOCHREALTIME/./}
dir=${TPROP_SLURM_DIR:-/tmp/tprop-slurm}
conf=$dir/etc/slurm.conf
export PATH=$PATH:/usr/sbin:/sbin
purge=0
for arg in "$@"; do
  case $arg in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "stop-local-cluster: unknown argument '$arg' (only --purge)" >&2; exit 2 ;;
  esac
done
say() { echo "stop-local-cluster: $*"; }
[ "$(id -u)" -eq 0 ] || { echo "stop-local-cluster: must run as root" >&2; exit 1; }

# stat_field PID N: field N of /proc/PID/stat counted after the command name, which may hold spaces and parentheses
# (1 = state, 4 = session ID).
stat_field() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[$2 - 1]}"
}
# alive PID: the process exists and is not a zombie (PID 1 here may reap late, and kill -0 succeeds on zombies).
alive() { local st; [ -n "$1" ] && st=$(stat_field "$1" 1) && [ "$st" != Z ]; }
# pid_of NAME PIDFILE: prints the PID from PIDFILE if that process is alive and its command is NAME.
pid_of() {
  local pid
  [ -s "$2" ] || return 1
  pid=$(<"$2")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
}
# our_stepds: slurmstepd processes of this cluster, recognised by our SLURM_CONF in their environment.
our_stepds() {
  local p comm
  for p in /proc/[0-9]*; do
    comm=
    { read -r comm <"$p/comm"; } 2>/dev/null || true
    [ "$comm" = slurmstepd ] || continue
    alive "${p#/proc/}" || continue
    if tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then echo "${p#/proc/}"; fi
  done
}
# wait_gone SECONDS PID...: waits until none of the PIDs is alive; returns 1 on timeout.
wait_gone() {
  local limit_us=$((${EPOCHREALTIME/./} + $1 * 1000000)) p any
  shift
  while :; do
    any=0
    for p in "$@"; do if alive "$p"; then any=1; fi; done
    [ $any -eq 1 ] || return 0
    [ "${EPOCHREALTIME/./}" -lt "$limit_us" ] || return 1
    sleep 0.05
  done
}
# stop_daemons NAME:PIDFILE...: SIGTERM to each, then up to 15 s to exit, then SIGKILL.
stop_daemons() {
  local spec name pidfile pid pids=()
  for spec in "$@"; do
    name=${spec%%:*} pidfile=${spec#*:}
    if pid=$(pid_of "$name" "$pidfile"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      say "$name (pid $pid) signalled"
    elif [ -s "$pidfile" ]; then
      pid=$(<"$pidfile")
      if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
        say "$name: pid $pid from $pidfile is now '$(cat "/proc/$pid/comm" 2>/dev/null)', not $name; leaving it alone"
      else
        say "$name: not running (stale $pidfile)"
      fi
    fi
    rm -f "$pidfile"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  if ! wait_gone 15 "${pids[@]}"; then
    for pid in "${pids[@]}"; do
      if alive "$pid"; then say "pid $pid ignored SIGTERM for 15 s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    done
    wait_gone 5 "${pids[@]}" || true
  fi
}

# 1. Jobs. Stopping slurmd does not end them: slurmstepd and the job's processes are detached and would outlive it.
if [ -f "$conf" ] && pid_of slurmctld "$dir/run/slurmctld.pid" >/dev/null; then
  export SLURM_CONF=$conf
  # %F: the array job ID for array tasks (cancelling it cancels every task), the job ID otherwise.
  mapfile -t jobs < <(squeue -h -o %F 2>/dev/null | sort -u)
  if [ ${#jobs[@]} -gt 0 ]; then
    say "cancelling ${#jobs[@]} job(s): ${jobs[*]}"
    scancel "${jobs[@]}" 2>/dev/null || true
    limit_us=$((${EPOCHREALTIME/./} + 30 * 1000000))
    until [ -z "$(squeue -h -o %A 2>/dev/null)" ] && [ -z "$(our_stepds)" ]; do
      if [ "${EPOCHREALTIME/./}" -ge "$limit_us" ]; then say "jobs still ending after 30 s; going on"; break; fi
      sleep 0.1
    done
  fi
fi

# 2. Daemons: slurmd and slurmctld together (each takes a second or two to exit), then munged, which they need.
stop_daemons "slurmd:$dir/run/slurmd.pid" "slurmctld:$dir/run/slurmctld.pid"
stop_daemons "munged:$dir/munge/munged.pid"

# 3. Safety net: slurmstepd of this cluster still alive (controller already gone, or a job that would not end), with
#    the processes of its session, which are the job's.
for pid in $(our_stepds); do
  sid=$(stat_field "$pid" 4) || continue
  if ! [[ $sid =~ ^[0-9]+$ ]] || [ "$sid" -le 1 ]; then continue; fi
  victims=()
  for p in /proc/[0-9]*; do
    if [ "$(stat_field "${p#/proc/}" 4)" = "$sid" ]; then victims+=("${p#/proc/}"); fi
  done
  say "leftover slurmstepd $pid: killing session $sid (${victims[*]})"
  kill -KILL "${victims[@]}" 2>/dev/null || true
  wait_gone 5 "${victims[@]}" || say "session $sid not gone after 5 s"
done

# 4. --purge: only a folder start-local-cluster.sh made (it leaves a .tprop-slurm marker).
if [ $purge -eq 1 ] && [ -d "$dir" ]; then
  if [ -e "$dir/.tprop-slurm" ]; then
    rm -rf "$dir"
    say "removed $dir"
  else
    say "not removing $dir: it has no .tprop-slurm marker, so start-local-cluster.sh did not make it"
    exit 1
  fi
fi

elapsed_ms=$(( (${EPOCHREALTIME/./} - started_us) / 1000 ))
say "$(printf 'stopped in %d.%03d s' $((elapsed_ms / 1000)) $((elapsed_ms % 1000)))"
