"""(a') and (b): dltips' training of runs in one process, as a training job trains its stack.

    python benchmarks/dltips_job.py '[{"regularizer": "l2", "seed": 0}, ...]' --data DATA.npz [--epochs 40 ...]

trains the runs side by side (a stack; for (a'), a stack of one), prints their summaries as one
JSON line and ends as a dltips training job ends, without the interpreter's teardown.
"""

import json

from dltips import data as datasets
from dltips.process import configure_torch, end_process
from dltips.trainer import Trainer

from workload import Workload, parse_runs, process_command_line


def train_runs(runs: list[dict], work: Workload) -> list[dict]:
    """The runs ({"regularizer", "seed"}) trained as one stack: each run's summary."""
    results = Trainer(work.stack_config(), work.members(runs), datasets.load(work.data)).fit()
    return [r.summary for r in results]


def main() -> None:
    runs, work = process_command_line(__doc__, "runs", parse_runs,
                                      'the runs as JSON: [{"regularizer": ..., "seed": ...}, ...]')
    configure_torch(threads=1)  # as every dltips job: one thread, subnormals flushed
    print(json.dumps(train_runs(runs, work)))
    end_process()


if __name__ == "__main__":
    main()
