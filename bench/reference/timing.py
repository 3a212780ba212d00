"""How the PyTorch reference scripts time a workload, the same way in each of them."""
import time


def time_runs(run, warmup, repeats):
    """Calls run() `warmup` times untimed, then `repeats` times timed.

    Returns (the last run's result, each timed run's wall time in milliseconds).
    """
    for _ in range(warmup):
        run()
    runs = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = run()
        runs.append((time.perf_counter() - t0) * 1000)
    return result, runs
