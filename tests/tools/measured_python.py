"""Run Python as a job would, and record the job's peak memory and thread count.

tests/test_resources.py puts a ``python`` on PATH that runs this file: the rule's
command then runs here unchanged. The real interpreter runs as a child; its
threads are counted every millisecond (OpenCV's and BLAS's pools live as long as
the process, so none is missed) and its peak resident memory comes from the
kernel when it exits. One JSON line per job is appended to $MEASURED_JOBS.
"""

import json
import os
import subprocess
import sys
import time

child = subprocess.Popen([sys.executable, *sys.argv[1:]])
most_threads = 1
while True:
    # wait4, not poll: only the reaping call gets the child's resource usage.
    pid, status, usage = os.wait4(child.pid, os.WNOHANG)
    if pid:
        break
    try:
        most_threads = max(most_threads, len(os.listdir(f"/proc/{child.pid}/task")))
    except FileNotFoundError:
        pass
    time.sleep(0.001)
returncode = os.waitstatus_to_exitcode(status)
with open(os.environ["MEASURED_JOBS"], "a", encoding="utf-8") as log:
    record = {
        "argv": sys.argv[1:],
        "returncode": returncode,
        "peak_mb": usage.ru_maxrss * 1024 / 1e6,
        "threads": most_threads,
        "env_threads": {
            name: os.environ.get(name)
            for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        },
    }
    log.write(json.dumps(record) + "\n")
sys.exit(returncode)
