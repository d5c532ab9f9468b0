#!/usr/bin/env bash
# Cancel command of the cluster-generic profile: Snakemake calls it with one or more
# job ids (from submit.sh) when it is interrupted (Ctrl-C), so that no job goes on
# writing results after Snakemake has stopped. Stops each job's whole process group.
set -uo pipefail

for id in "$@"; do
    pid=$(cat "logs/cluster-generic/$id.pid" 2>/dev/null) || continue
    kill -TERM -- "-$pid" 2>/dev/null || true
done
