"""(a): the naive pipeline's training of one run, the loop a tutorial would write.

    python benchmarks/textbook.py '{"regularizer": "l2", "seed": 0}' --data DATA.npz [--epochs 40 ...]

trains the run in this process (nn.Sequential, DataLoader, nn.Dropout, torch.optim) and prints
its reported epoch's metrics as one JSON line; bench.py starts it afresh for every run, as one
Snakemake job per run would be. It does the work dltips does for a run and no more: the
run's penalty (none otherwise), per epoch the three evaluations and the same per-layer
statistics, and a copy of the best weights for early stopping. It draws its own random
streams, so its numbers are not dltips'.
"""

import copy
import json

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dltips import data as datasets
from dltips.activations import ACTIVATIONS
from dltips.process import configure_torch
from dltips.regularizers import build as build_reg

from workload import MODEL, REGULARIZERS, Workload, layer_dims, parse_run, process_command_line

ACTIVATION_MODULES = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "elu": nn.ELU,
                      "leaky_relu": lambda: nn.LeakyReLU(0.01)}
OPTIMIZER_CLASSES = {"adam": ("Adam", {}), "sgd": ("SGD", {}), "momentum": ("SGD", {"momentum": 0.9}),
                     "rmsprop": ("RMSprop", {"alpha": 0.99}), "adagrad": ("Adagrad", {})}


def train_run(run: dict, work: Workload) -> dict:
    """One run ({"regularizer", "seed"}) trained by the textbook loop: the metrics and per-layer
    statistics of the epoch it reports (the best for early stopping, else the last)."""
    torch.manual_seed(run["seed"])
    data = datasets.load(work.data)
    x = {s: torch.from_numpy(v) for s, v in data.x.items()}
    y = {s: torch.from_numpy(v) for s, v in data.y.items()}
    reg = build_reg(run["regularizer"], REGULARIZERS[run["regularizer"]])
    dims = layer_dims(data)
    layers, activations = [nn.Dropout(reg.dropout_input)], []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < MODEL["depth"]:
            activations.append(ACTIVATION_MODULES[work.activation]())
            layers += [activations[-1], nn.Dropout(reg.dropout_hidden)]
    model = nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    saturated = ACTIVATIONS[work.activation]({}).saturated
    initial = [m.weight.detach().clone() for m in linears]
    name, settings = OPTIMIZER_CLASSES[work.optimizer]
    optimizer = getattr(torch.optim, name)(model.parameters(), lr=work.lr, **settings)
    loader = DataLoader(TensorDataset(x["train"], y["train"]), batch_size=128, shuffle=True)
    best, best_epoch, best_state, since_best, history = float("inf"), 0, None, 0, []
    for epoch in range(work.epochs + 1):
        if epoch > 0:
            model.train()
            for xb, yb in loader:
                loss = F.cross_entropy(model(xb), yb)
                if reg.l1:
                    loss = loss + reg.l1 * sum(m.weight.abs().sum() for m in linears)
                if reg.l2:
                    loss = loss + 0.5 * reg.l2 * sum(m.weight.pow(2).sum() for m in linears)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        model.eval()
        metrics = {}
        with torch.no_grad():
            for split in ("train", "val", "test"):
                xs, ys = (x[split][:1000], y[split][:1000]) if split == "train" else (x[split], y[split])
                logits = model(xs)
                metrics[split] = (F.cross_entropy(logits, ys).item(), (logits.argmax(1) == ys).float().mean().item())
        seen = []  # each activation's (input, output) on the probe batch, caught by forward hooks
        hooks = [act.register_forward_hook(lambda m, inp, out: seen.append((inp[0].detach(), out.detach())))
                 for act in activations]
        probe = F.cross_entropy(model(x["train"][:512]), y["train"][:512])
        for hook in hooks:
            hook.remove()
        grads = torch.autograd.grad(probe, [m.weight for m in linears])
        history.append({
            "grad_norms": [g.norm().item() for g in grads],
            "weight_norms": [m.weight.norm().item() for m in linears],
            "rel_change": [((m.weight - w0).norm() / w0.norm()).item() for m, w0 in zip(linears, initial)],
            "act_mean": [post.mean().item() for _, post in seen],
            "saturated": [saturated(pre, post).float().mean().item() for pre, post in seen],
            **{f"{s}_{k}": v for s, (l, a) in metrics.items() for k, v in (("loss", l), ("accuracy", a))},
        })
        if metrics["val"][0] < best:
            best, best_epoch, best_state, since_best = metrics["val"][0], epoch, copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            if reg.patience is not None and since_best >= reg.patience:
                break
    if reg.patience is not None:  # early stopping reports the best epoch's weights, as dltips does
        model.load_state_dict(best_state)
        return history[best_epoch]
    return history[-1]


def main() -> None:
    run, work = process_command_line(__doc__, "run", parse_run, 'the run as JSON: {"regularizer": ..., "seed": ...}')
    configure_torch(threads=1)  # as every dltips job: one thread, subnormals flushed
    print(json.dumps(train_run(run, work)))


if __name__ == "__main__":
    main()
