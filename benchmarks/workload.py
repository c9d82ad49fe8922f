"""What the benchmark's runs train: one grid job of the study, 5 regularizers x `--seeds` seeds
of one activation and optimizer, a depth-4 width-100 MLP.

`Workload` is what every run of (a), (a'), (b) and (c) shares; the processes of (a), (a') and
(b) take it on their command line (`Workload.argv`, `process_command_line`).
"""

import argparse
import json
from dataclasses import dataclass

from dltips.regularizers import build as build_reg
from dltips.trainer import Member, StackConfig

REGULARIZERS = {
    "none": {},
    "l1": {"strength": 1e-4},
    "l2": {"strength": 1e-3},
    "dropout": {"input": 0.1, "hidden": 0.3},
    "early_stopping": {"patience": 5},
}
MODEL = {"depth": 4, "width": 100, "maxout_pieces": 2}
# what the textbook loop can build (PReLU and Maxout have no torch.nn module of this shape)
ACTIVATIONS = ("elu", "leaky_relu", "relu", "sigmoid", "tanh")
OPTIMIZERS = ("adagrad", "adam", "momentum", "rmsprop", "sgd")


@dataclass(frozen=True)
class Workload:
    """What each run trains on and with."""

    data: str  # a dataset .npz (dltips.data.save)
    activation: str
    optimizer: str
    lr: float
    epochs: int

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Workload":
        return cls(args.data, args.activation, args.optimizer, args.lr, args.epochs)

    def argv(self) -> list[str]:
        """The command-line options that give this workload to a process (add_options, --data)."""
        return ["--data", self.data, "--activation", self.activation, "--optimizer", self.optimizer,
                "--lr", repr(self.lr), "--epochs", str(self.epochs)]

    def stack_config(self) -> StackConfig:
        # layer statistics every epoch: the textbook loop computes them every epoch too (same work)
        return StackConfig(activation=self.activation, optimizer=self.optimizer, model=MODEL, epochs=self.epochs,
                           stats_every=1)

    def members(self, runs: list[dict]) -> list[Member]:
        return [Member(seed=r["seed"], lr=self.lr, reg=build_reg(r["regularizer"], REGULARIZERS[r["regularizer"]]))
                for r in runs]


def add_options(parser: argparse.ArgumentParser) -> None:
    """The workload's options but --data, whose default differs between the benchmark and its processes."""
    parser.add_argument("--activation", default="relu", choices=ACTIVATIONS)
    parser.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--epochs", type=int, default=40)


def process_command_line(description: str, what: str, parse, what_help: str) -> tuple[dict | list[dict], Workload]:
    """The command line of a process of (a), (a') or (b): its runs as the positional argument
    `what` (parsed by `parse`), then the workload's options with --data required."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(what, type=parse, help=what_help)
    parser.add_argument("--data", required=True, help="a dataset .npz (dltips.data.save)")
    add_options(parser)
    args = parser.parse_args()
    return getattr(args, what), Workload.from_args(args)


def cells(seeds: int) -> list[dict]:
    """The grid job's runs: every regularizer at seeds 0 .. seeds-1."""
    return [{"regularizer": r, "seed": s} for r in REGULARIZERS for s in range(seeds)]


def parse_run(text: str) -> dict:
    """One run as JSON, {"regularizer": ..., "seed": ...}, checked before anything trains (an
    argparse type: its error names the bad key and value)."""
    return _checked(json.loads(text))


def parse_runs(text: str) -> list[dict]:
    """Runs as a JSON list of parse_run's."""
    runs = json.loads(text)
    if not isinstance(runs, list):
        raise argparse.ArgumentTypeError(f"runs: {text!r} is not a JSON list")
    return [_checked(run) for run in runs]


def _checked(run) -> dict:
    if not isinstance(run, dict):
        raise argparse.ArgumentTypeError(f"run: {run!r} is not a JSON object with a regularizer and a seed")
    if run.get("regularizer") not in REGULARIZERS:
        raise argparse.ArgumentTypeError(f"regularizer: {run.get('regularizer')!r} is none of {list(REGULARIZERS)}")
    if not isinstance(run.get("seed"), int):
        raise argparse.ArgumentTypeError(f"seed: {run.get('seed')!r} is not an integer")
    return run


def layer_dims(data) -> list[int]:
    """The MLP's widths, input to output, on `data` (a dltips.data.Dataset)."""
    return [data.n_features] + [MODEL["width"]] * MODEL["depth"] + [data.n_classes]
