#!/usr/bin/env bash
# Status command of the cluster-generic profile: prints running, success or failed for
# one job id printed by submit.sh. Snakemake calls it for every active job at each check.
#
# Without a status command, the executor only sees jobs that end by themselves (it
# waits for marker files the job script touches when it finishes); a job killed from
# outside (out of memory, kill -9) would be waited for forever. Here a job whose process
# is gone without an exit status is reported as failed.
set -uo pipefail

job=logs/cluster-generic/$1

exit_status() {
    if [[ -f "$job.exit" ]]; then
        if [[ "$(cat "$job.exit")" == 0 ]]; then echo success; else echo failed; fi
        return 0
    fi
    return 1
}

exit_status && exit 0
# Alive unless gone or a zombie (an orphan's parent may not collect it at once).
state=$(ps -o stat= -p "$(cat "$job.pid" 2>/dev/null)" 2>/dev/null)
if [[ -n "$state" && "$state" != Z* ]]; then
    echo running
    exit 0
fi
# It may have written its status between the first look and the process check.
exit_status || echo failed
