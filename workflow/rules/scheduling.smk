# Snakemake 9's scheduler arms a timer after every scheduling round, so that a round
# follows when its job rate limit (--max-jobs-per-timespan, 100/1s by default) frees up;
# but each timer's own round arms another, so every round started by a finished job
# begins a chain of one round a second that lasts until Snakemake exits. On the sample
# photos that made 7 rounds per job (737 for 100 jobs), each re-reading the sizes of the
# ready jobs' inputs: about a third of Snakemake's own CPU, and up to a second's wait at
# the end for the last timers. One pending timer at a time keeps the rate limit (a round
# still comes within the timespan) without the chains. Where the scheduler has no such
# method (another Snakemake version), it is left as it is.
import threading

from snakemake.scheduling import job_scheduler


def schedule_one_reevaluation(scheduler, delay):
    """Release the scheduler after ``delay`` seconds, unless a release is already pending."""
    with PENDING_REEVALUATION:
        if getattr(scheduler, "_reevaluation_pending", False):
            return
        scheduler._reevaluation_pending = True

    def release():
        with PENDING_REEVALUATION:
            scheduler._reevaluation_pending = False
        scheduler._open_jobs.release()

    timer = threading.Timer(delay, release)
    timer.daemon = True  # Snakemake need not wait for it to exit
    timer.start()


PENDING_REEVALUATION = threading.Lock()
if hasattr(job_scheduler.JobScheduler, "_schedule_reevalutation"):
    job_scheduler.JobScheduler._schedule_reevalutation = schedule_one_reevaluation
