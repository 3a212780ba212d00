"""How the PyTorch reference scripts time a workload, the same way in each of them."""
import resource
import time


def time_runs(run, warmup, repeats, cpu=None):
    """Calls run() `warmup` times untimed, then `repeats` times timed.

    Returns (the last run's result, each timed run's wall time in milliseconds). When `cpu` is a
    list, each timed run's process CPU time in milliseconds (user + system, all threads, as
    trustscope's side measures it with process.cpuUsage()) is appended to it.
    """
    for _ in range(warmup):
        run()
    runs = []
    result = None
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = run()
        runs.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return result, runs


def peak_rss_mb():
    """Peak resident set of this process so far (ru_maxrss is in kB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
