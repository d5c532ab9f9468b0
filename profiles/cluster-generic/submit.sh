#!/usr/bin/env bash
# Submit command of the cluster-generic profile: starts one Snakemake job as a detached
# background process on this machine, as a batch system would start it on a node, and
# prints the job's id (the only line on stdout, as the executor expects).
#
# Snakemake calls it as   submit.sh /ABS/WORKDIR/.snakemake/tmp.XXXX/snakejob.RULE.N.sh
# and deletes that folder when the run ends, so every job keeps its own record in
# logs/cluster-generic/ under the working directory (git-ignored, like all of logs/):
#   ID.sh    a copy of the job script, which is what runs
#   ID.out   everything the job printed (its own Snakemake's log)
#   ID.pid   the process id, read by status.sh and cancel.sh
#   ID.exit  the job's exit status, written when it ends, read by status.sh
set -euo pipefail

jobscript=$1
records=logs/cluster-generic
mkdir -p "$records"

# Unique across runs too: each run has its own .snakemake/tmp.XXXX folder.
run=$(basename "$(dirname "$jobscript")")
id="$run.$(basename "$jobscript" .sh)"
job="$records/$id"
cp "$jobscript" "$job.sh"

# setsid gives the job its own process group, so that cancel.sh stops it and all its
# children. The exit status goes through a temporary name so that status.sh never
# reads a half-written file.
setsid nohup bash -c 'bash "$1"; echo $? > "$2.exit.tmp"; mv "$2.exit.tmp" "$2.exit"' \
    job "$job.sh" "$job" > "$job.out" 2>&1 < /dev/null &
echo "$!" > "$job.pid"
echo "$id"
