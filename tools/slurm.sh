#!/usr/bin/env bash
# A real single-node SLURM on this machine, to try profiles/slurm and to test it (tests/test_slurm.py).
#
#   sudo tools/slurm.sh start [--accounting]   # returns when the node has run a test job
#   snakemake --workflow-profile profiles/slurm
#   sudo tools/slurm.sh stop
#   tools/slurm.sh status                      # what SLURM says of its node and jobs, its logs
#
# It starts munged, slurmctld and slurmd (and with --accounting a MariaDB server and slurmdbd,
# so that sacct answers as on most production clusters), as root and without systemd. Every
# file it writes (configuration, keys, state, logs, the database) is in one folder,
# $SLURM_DIR (default /tmp/kmeans-gif-slurm), and `stop` removes it. Nothing in /etc changes:
# slurmd runs "configless" and links the configuration as /run/slurm/conf, where SLURM's
# commands find it, and munged listens on its usual socket in /run/munge.
# One node, this machine, with its CPUs and memory, in one partition "debug", the default.
# Missing Debian packages are installed with apt-get (Debian 12 ships SLURM 22.05).
set -euo pipefail

dir=${SLURM_DIR:-/tmp/kmeans-gif-slurm}
node=$(hostname -s)
cluster=kmeansgif

die() {
    echo "slurm.sh: $*" >&2
    exit 1
}

install_missing() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get > /dev/null || die "needs the Debian packages ${missing[*]} (no apt-get here)"
    echo "Installing ${missing[*]}"
    # No daemon may start on its own (this script starts them, with its own settings): a
    # policy-rc.d that says no, unless the machine has one (containers usually do).
    local policy=/usr/sbin/policy-rc.d own_policy=no
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod +x "$policy"
        own_policy=yes
    fi
    # A fresh machine may not have the package lists yet.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        > "$dir/apt.log" 2>&1 ||
        { apt-get update -q >> "$dir/apt.log" 2>&1 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                "${missing[@]}" >> "$dir/apt.log" 2>&1; } ||
        die "apt-get install ${missing[*]} failed: see $dir/apt.log"
    if [[ $own_policy == yes ]]; then rm -f "$policy"; fi
}

# Starts "$@" in the background unless its pid file names a live process; waits for the file.
start_daemon() {
    local pidfile=$1
    shift
    if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then
        return 0
    fi
    "$@"
    for _ in $(seq 50); do
        [[ -s $pidfile ]] && return 0
        sleep 0.2
    done
    die "$1 did not start: see the logs in $dir"
}

write_slurm_conf() {
    local accounting=$1
    # A tenth of the memory stays for the system; SLURM refuses jobs asking for more.
    local memory_mb=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 9 / 10 / 1024))
    cat > "$dir/slurm.conf" << EOF
ClusterName=$cluster
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
# slurmd fetches this file from slurmctld and links it as /run/slurm/conf, where SLURM's
# commands look when SLURM_CONF is unset (the job steps of the plugin unset it).
SlurmctldParameters=enable_configless
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/slurmctld
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No cgroups in a container: follow processes by parentage, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# The node is what this file says, whatever slurmd detects (a VM or container may show the
# host's CPUs or memory): never drained for a mismatch.
SlurmdParameters=config_overrides
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
EOF
    if [[ $accounting == yes ]]; then
        cat >> "$dir/slurm.conf" << EOF
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
EOF
    else
        echo "AccountingStorageType=accounting_storage/none" >> "$dir/slurm.conf"
    fi
    cat >> "$dir/slurm.conf" << EOF
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    mkdir -p "$dir/munge"
    chmod 700 "$dir/munge"
    [[ -f $dir/munge/munge.key ]] || mungekey --create --keyfile="$dir/munge/munge.key"
    chmod 600 "$dir/munge/munge.key"
    # --force: munged refuses to run as root, or with its files in /tmp, without it. The
    # socket stays where SLURM looks before it has its configuration (slurmd fetches it).
    mkdir -p /run/munge
    start_daemon "$dir/munge/munged.pid" munged --force --key-file="$dir/munge/munge.key" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
        --seed-file="$dir/munge/munged.seed"
}

start_database() {
    local data=$dir/mariadb
    if [[ ! -d $data/mysql ]]; then
        mariadb-install-db --user=root --datadir="$data" --auth-root-authentication-method=socket \
            > "$dir/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $dir/mariadb-install.log"
    fi
    start_daemon "$dir/mariadb.pid" bash -c 'mariadbd --user=root --datadir="$1" \
        --socket="$2/mariadb.sock" --pid-file="$2/mariadb.pid" --bind-address=127.0.0.1 \
        --port=3307 --log-error="$2/mariadb.log" > /dev/null 2>&1 &' _ "$data" "$dir"
    for _ in $(seq 50); do
        mariadb --socket="$dir/mariadb.sock" -e "select 1" > /dev/null 2>&1 && break
        sleep 0.2
    done
    mariadb --socket="$dir/mariadb.sock" << EOF
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
EOF
    # slurmdbd refuses a configuration file that others may read (it holds the password).
    (
        umask 077
        cat > "$dir/slurmdbd.conf" << EOF
AuthType=auth/munge
DbdHost=$node
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=root
PidFile=$dir/slurmdbd.pid
LogFile=$dir/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3307
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
EOF
    )
    start_daemon "$dir/slurmdbd.pid" slurmdbd
    for _ in $(seq 50); do
        sacctmgr -n list cluster > /dev/null 2>&1 && break
        sleep 0.2
    done
    # The cluster, and an account root submits under, as a site's administrator sets up.
    sacctmgr -i add cluster "$cluster" > /dev/null || true
    sacctmgr -i add account kmeans Cluster="$cluster" Description=tests Organization=tests > /dev/null || true
    sacctmgr -i add user root Account=kmeans Cluster="$cluster" > /dev/null || true
}

# What SLURM says of its node and jobs, and the ends of its logs: for a message saying why.
diagnosis() {
    echo "--- sinfo -R"
    sinfo -R 2>&1
    echo "--- squeue"
    squeue --states=all --format='%i %T %r %C %m' 2>&1
    local log
    for log in slurmctld.log slurmd.log; do
        echo "--- tail $dir/$log"
        tail -n 15 "$dir/$log" 2>&1
    done
}

wait_for_idle_node() {
    for _ in $(seq 100); do
        if [[ $(sinfo --noheader --nodes="$node" --format=%T 2> /dev/null) == idle ]]; then
            return 0
        fi
        sleep 0.3
    done
    die "node $node is not idle after 30 s:
$(diagnosis)"
}

# An idle node may still be unable to start a job (slurmstepd needs more of the machine than
# the daemons do): run one, with a step in it as the plugin's jobs have, before saying
# SLURM is up, so that a machine where jobs cannot run fails here, saying why, rather than
# leaving Snakemake waiting on a job that never starts.
run_probe_job() {
    local out=$dir/probe.out id state=
    id=$(sbatch --parsable --job-name=probe --chdir="$dir" --output="$out" \
        --wrap 'env -u SLURM_CONF srun --ntasks=1 echo ran') ||
        die "sbatch cannot submit a job:
$(diagnosis)"
    for _ in $(seq 120); do
        state=$(squeue --noheader --states=all --jobs="$id" --format=%T 2> /dev/null || true)
        case $state in
        COMPLETED) grep -qx ran "$out" 2> /dev/null && return 0 ;;
        PENDING | CONFIGURING | RUNNING | COMPLETING | "") ;;
        *) break ;;
        esac
        sleep 0.5
    done
    # Exit status 3: SLURM runs, but this machine cannot run its jobs (tests skip, saying why).
    echo "slurm.sh: SLURM is up but a test job ($id) did not run within 60 s (state: ${state:-unknown}; its output: $(cat "$out" 2>&1)):
$(diagnosis)" >&2
    exit 3
}

start() {
    local accounting=no
    [[ ${1:-} == --accounting ]] && accounting=yes
    [[ $(id -u) == 0 ]] || die "run as root (it starts the SLURM daemons)"
    if [[ -f $dir/slurm.conf ]] && ! grep -q "accounting_storage/$([[ $accounting == yes ]] && echo slurmdbd || echo none)" "$dir/slurm.conf"; then
        die "a SLURM with other accounting settings is set up in $dir: run '$0 stop' first"
    fi
    mkdir -p "$dir/slurmctld" "$dir/slurmd"
    local packages=(munge slurmctld slurmd slurm-client)
    if [[ $accounting == yes ]]; then packages+=(slurmdbd mariadb-server mariadb-client); fi
    install_missing "${packages[@]}"
    export SLURM_CONF=$dir/slurm.conf
    write_slurm_conf "$accounting"
    start_munge
    if [[ $accounting == yes ]]; then start_database; fi
    start_daemon "$dir/slurmctld.pid" slurmctld
    start_daemon "$dir/slurmd.pid" slurmd -N "$node" --conf-server 127.0.0.1
    wait_for_idle_node
    run_probe_job
    echo "SLURM is up: node $node, $(nproc) CPUs, partition debug, accounting: $accounting."
}

stop() {
    [[ -d $dir ]] || return 0
    local pidfile pid
    for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/slurmdbd.pid" "$dir/mariadb.pid" \
        "$dir/munge/munged.pid"; do
        [[ -s $pidfile ]] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2> /dev/null || continue
        for _ in $(seq 50); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.2
        done
    done
    # slurmd's link to its copy of the configuration, if it is this one.
    [[ $(readlink /run/slurm/conf) == "$dir"/* ]] && rm -f /run/slurm/conf
    rm -rf "$dir"
}

case ${1:-} in
start) start "${2:-}" ;;
stop) stop ;;
status)
    [[ -f $dir/slurm.conf ]] || die "no SLURM of this script runs (no $dir/slurm.conf)"
    SLURM_CONF=$dir/slurm.conf diagnosis
    ;;
*) die "usage: $0 start [--accounting] | stop | status" ;;
esac
