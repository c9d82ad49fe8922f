"""The benchmark a user runs for the Performance section: it runs, and its exactness check holds.
(Its timings are for people; nothing here asserts a speed.)"""

import re
import subprocess
import sys

from conftest import ROOT


def test_benchmark_runs_and_finds_the_same_metrics_alone_and_stacked():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--epochs", "2", "--repeats", "1", "--seeds", "1",
           "--no-peers"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for line in ("(a)  naive pipeline", "(a') dltips unbatched", "(b)  dltips, a process per job", "(c) one training epoch"):
        assert line in out, out
    assert re.search(r"largest \|unbatched - stacked\| over final losses/accuracies = 0\.00e\+00", out), out
    assert re.search(r"speed-up naive / dltips: \d+\.\d+ x", out) and re.search(r"training at \d+% of it", out)


PEER_ROWS = ("dltips Trainer: train_epoch + evaluate", "torch.func ensemble", "hand-written torch.baddbmm stack",
             "dltips fit() at the grid's settings", "dltips fit() + layer statistics every epoch", "arithmetic limit")


def test_benchmark_peers_print_a_table_of_positive_times_and_ratios():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--peers-only", "--slots", "2", "--stack-size", "3"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"^Machine: .+, torch \S+, ATen CPU capability \S+", out, re.M), out
    assert "| variant | ms per model-epoch | × dltips | × arithmetic limit |" in out, out
    rows = {}
    for line in out.splitlines():
        cols = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cols) == 4 and cols[0] != "variant":
            rows[cols[0]] = [float(c) for c in cols[1:]]
    for name in PEER_ROWS:
        matches = [numbers for label, numbers in rows.items() if label.startswith(name)]
        assert len(matches) == 1, (name, out)
        assert all(x > 0 for x in matches[0]), (name, out)
    assert rows["dltips Trainer: train_epoch + evaluate"][1] == 1.0
    # every variant learns: a few epochs put each model well above chance (0.1)
    accuracy_line = re.search(r"test accuracy after \d+ epochs .*: (.*)", out)
    assert accuracy_line, out
    accuracies = dict(re.findall(r"(dltips fit\(\), stats|dltips fit\(\)|dltips|torch\.func|baddbmm) (\d\.\d+)",
                                 accuracy_line[1]))
    assert set(accuracies) == {"dltips", "torch.func", "baddbmm", "dltips fit()", "dltips fit(), stats"}, out
    assert all(float(a) > 0.2 for a in accuracies.values()), out
