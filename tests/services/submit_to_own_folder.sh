#!/usr/bin/env bash
# Submit command for tests/test_no_shared_fs.py: profiles/cluster-generic/submit.sh, but
# each job starts in an empty folder of its own, as on a cloud node that shares no file
# system with Snakemake or with the other jobs. The job script (written by Snakemake with
# --job-deploy-sources) then fetches the workflow's sources and its inputs from the
# storage, and sends its outputs there.
#
# Called as  submit_to_own_folder.sh JOBSCRIPT, in the project folder; the empty folders
# are made under $NODES_DIR.
set -euo pipefail

jobscript=$1
node=$(mktemp -d "$NODES_DIR/node.XXXXXX")
mkdir "$node/work"
# The job's own copy, starting with a cd into its empty folder (after the #! line and
# the properties line that submit.sh and the tests read).
{
    head -n 2 "$jobscript"
    printf 'cd %q\n' "$node/work"
    tail -n +3 "$jobscript"
} > "$node/$(basename "$jobscript")"
exec profiles/cluster-generic/submit.sh "$node/$(basename "$jobscript")"
