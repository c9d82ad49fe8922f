"""The benchmark a user runs for the Performance section: it runs, and its exactness check holds.
(Its timings are for people; nothing here asserts a speed.)"""

import re
import subprocess
import sys

from conftest import ROOT


def test_benchmark_runs_and_finds_the_same_metrics_alone_and_stacked():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--epochs", "2", "--repeats", "1", "--seeds", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for line in ("(a)  naive pipeline", "(a') dltips unbatched", "(b)  dltips, a process per job", "(c) one training epoch"):
        assert line in out, out
    assert re.search(r"largest \|unbatched - stacked\| over final losses/accuracies = 0\.00e\+00", out), out
    assert re.search(r"speed-up naive / dltips: \d+\.\d+ x", out) and re.search(r"training at \d+% of it", out)
