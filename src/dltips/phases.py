"""Where a training process spends its time: seconds per phase, measured as it runs.

A `PhaseClock` charges every second to the innermost phase open at the time, so phases never
overlap and their seconds add up to the time spent inside them: the training phase of a job
holds its steps, and the evaluation and layer-statistics phases opened inside it take their
own time out of it. A training job records JOB_PHASES in its timing file (dltips.jobs), which
dltips.study_time reads.
"""

import time
from contextlib import contextmanager

STARTUP, RATE_SEARCH, TRAINING, EVALUATION, LAYER_STATS, WRITING = (
    "start-up", "rate search", "training", "evaluation", "layer statistics", "writing")
# the reported runs again at the rates tied with their arm's pick (dltips.tied), all its parts in one
TIED_RUNS = "tied-rate runs"
JOB_PHASES = (STARTUP, RATE_SEARCH, TRAINING, EVALUATION, LAYER_STATS, WRITING, TIED_RUNS)


class PhaseClock:
    """Wall seconds (`clock`) and this process's CPU seconds (`cpu_clock`) per phase: on a
    machine others share, the CPU seconds are what the phase itself cost."""

    def __init__(self, clock=time.perf_counter, cpu_clock=time.process_time):
        self.clocks = (clock, cpu_clock)
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._open: list[str] = []
        self._since = [c() for c in self.clocks]

    def _charge(self) -> None:
        now = [c() for c in self.clocks]
        if self._open:
            for totals, t, since in zip((self.seconds, self.cpu_seconds), now, self._since):
                totals[self._open[-1]] = totals.get(self._open[-1], 0.0) + t - since
        self._since = now

    @contextmanager
    def phase(self, name: str):
        """The seconds inside go to `name`, but those of a phase opened inside it."""
        self._charge()
        self._open.append(name)
        try:
            yield
        finally:
            self._charge()
            self._open.pop()

    def add(self, name: str, seconds: float, cpu_seconds: float = 0.0) -> None:
        """Seconds measured elsewhere (a process's start-up, before the clock existed)."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + cpu_seconds


def process_start_time() -> float:
    """When this process was created (seconds since the epoch): the start-up its imports cost
    happened before any clock of ours existed."""
    import psutil  # here, not at the top: only a training job's script asks

    return psutil.Process().create_time()
