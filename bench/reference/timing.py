"""How the PyTorch reference scripts time a workload, the same way in each of them."""
import time


WARMUP_MIN_S = 0.5
WARMUP_MAX_RUNS = 20


def warm_up(run, warmup):
    """At least `warmup` untimed calls, and more until WARMUP_MIN_S has passed (at most
    WARMUP_MAX_RUNS): the same rule as bench/stats.ts warmUp."""
    t0 = time.perf_counter()
    i = 0
    while i < max(warmup, WARMUP_MAX_RUNS):
        if i >= warmup and (i >= WARMUP_MAX_RUNS or time.perf_counter() - t0 >= WARMUP_MIN_S):
            break
        run()
        i += 1


def time_runs(run, warmup, repeats):
    """Warms run() up (warm_up), then calls it `repeats` times timed.

    Returns (the last run's result, each timed run's wall time in milliseconds).
    """
    warm_up(run, warmup)
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
    warm_up(run, warmup)
    runs, cpu = [], []
    result = None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        result = run()
        runs.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return result, runs, cpu
