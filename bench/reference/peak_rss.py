"""The peak resident set of a PyTorch reference process, reported beside its timings."""
import resource


def peak_rss_mb():
    """Peak resident set of this process so far (ru_maxrss is in kB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
