"""What the sampler reads of each process, and how often: CPU every sample, a service's memory every
second sample, a process tree's (costly) PSS every tenth."""

import os
import subprocess
import sys

from bench.sampler import Sampler

ME = os.getpid()


def sampler() -> Sampler:
    # This process watched twice: as a service, and as the root of a tree (as PostgreSQL's postmaster is).
    return Sampler(probe=None, processes=lambda: {"service": (ME, False), "tree": (ME, True)})


def test_a_trees_memory_is_read_every_tenth_sample_and_a_services_every_second():
    watcher = sampler()
    samples = [watcher.take(lag=0) for _ in range(20)]
    assert [i for i, s in enumerate(samples) if "tree" in s.memory] == [0, 10]
    assert [i for i, s in enumerate(samples) if "service" in s.memory] == list(range(0, 20, 2))
    assert all(set(s.cpu) == {"service", "tree"} for s in samples)
    assert watcher.every_memory_s == 5.0  # the window the harness waits to see every process's memory


def test_a_tree_keeps_the_cpu_of_a_child_that_has_exited():
    watcher = sampler()
    before = watcher.take(lag=0)
    burn = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"
    subprocess.run([sys.executable, "-c", burn], check=True)  # exits and is reaped before the next sample
    after = watcher.take(lag=0)
    assert after.cpu["tree"] - before.cpu["tree"] >= 0.35
    assert after.cpu["service"] - before.cpu["service"] < 0.2  # the process alone did not burn it
