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


def time_runs_with_cpu(run, warmup, repeats):
    """time_runs, plus each timed run's process CPU time (all threads) in milliseconds: on a shared,
    loaded machine CPU time says more about the work than wall time does.

    Returns (the last run's result, wall milliseconds per run, CPU milliseconds per run).
    """
    for _ in range(warmup):
        run()
    runs, cpu = [], []
    result = None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        result = run()
        runs.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return result, runs, cpu
