"""A training job's movement: one line per epoch for its log, one summary line for the console.

`EpochLog` is an observer of the training loop (observer(trainer, epoch)): a job passes one
to `train`, so a long job shows it is moving (`tail -f results/logs/train/<job>.log`) without
the Trainer knowing about logs.
"""

import math
import time

from .words import count


class EpochLog:
    def __init__(self, stage: str, write=None, clock=time.perf_counter):
        # flushed line by line, so `tail -f` on the log shows each epoch as it ends
        write = write or (lambda line: print(line, flush=True))
        self.stage, self.write, self.clock = stage, write, clock
        self.start = self.last = clock()  # the first line's seconds include building the stack

    def __call__(self, trainer, epoch: int) -> None:
        now = self.clock()
        # the split every stack evaluates at every epoch (tuning stacks evaluate no other)
        split = "val"
        # every model that trained this epoch, those that stopped in it included (their last line)
        losses = list(trainer.recorder.recorded(epoch, split, "loss").values())
        finite = [v for v in losses if math.isfinite(v)]
        mean = f"{sum(finite) / len(finite):.4f}" if finite else "n/a"
        left = int(trainer.state.active.sum())
        self.write(f"{self.stage} epoch {epoch}/{trainer.cfg.epochs}: {left} of {count(len(trainer.members), 'run')} "
                   f"still training, mean {split} loss {mean} (nats, over {count(len(finite), 'run')}), "
                   f"{now - self.last:.2f} s")
        self.last = now

    def summary(self, job: str, rates: str, lr_source: str, results) -> str:
        """One line: what the job trained, at which rate, how many diverged, how long it took."""
        diverged = sum(bool(r.summary["diverged"]) for r in results)
        epochs = max((r.summary["epochs_run"] for r in results), default=0)
        return (f"{job}: {count(len(results), 'run')}, lr {rates} ({lr_source}), {count(epochs, 'epoch')}, "
                f"{diverged} diverged, {self.clock() - self.start:.1f} s training")
