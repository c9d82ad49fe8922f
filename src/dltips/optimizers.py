"""Optimisers, one registry entry each: a torch.optim class and its fixed settings.

Each (activation, optimiser) gets its own learning rate (tuned or fixed, see tuning.py);
the hyper-parameters below come from `optimizer_params` in config.yaml.
"""

from dataclasses import dataclass, field

from .lazy import lazy_import
from .registry import Registry

torch = lazy_import("torch")


@dataclass(frozen=True)
class OptimizerSpec:
    torch_class: str  # name in torch.optim
    defaults: dict = field(default_factory=dict)


OPTIMIZERS: Registry[OptimizerSpec] = Registry("optimizer")

OPTIMIZERS.register("sgd", OptimizerSpec("SGD"))
OPTIMIZERS.register("momentum", OptimizerSpec("SGD", {"momentum": 0.9}))
OPTIMIZERS.register("adagrad", OptimizerSpec("Adagrad"))
OPTIMIZERS.register("rmsprop", OptimizerSpec("RMSprop", {"alpha": 0.99}))
OPTIMIZERS.register("adam", OptimizerSpec("Adam", {"betas": (0.9, 0.999)}))


class PerModelLR:
    """A torch.optim optimiser over stacked parameters [K, ...] with one learning rate per model.

    Every torch.optim update used here is `p -= lr * u` with a state `u` that does not depend
    on lr, so stepping at lr=1 and scaling each model's delta by its own lr is exactly the
    per-model update (up to float rounding). `active` freezes models (diverged, or stopped
    early) without touching the others.
    """

    def __init__(self, name: str, params: list, lrs, settings: dict | None = None):
        spec = OPTIMIZERS[name]
        kwargs = {**spec.defaults, **(settings or {})}
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        self.params = list(params)
        self.optimizer = getattr(torch.optim, spec.torch_class)(self.params, lr=1.0, **kwargs)
        self.lrs = torch.as_tensor(lrs, dtype=torch.float32)
        # where every model shares one rate (a job's runs do), step at that rate directly:
        # no rescaling, and each model's update is bit for bit the one it takes alone
        values = set(float(lr) for lr in lrs)
        self.shared_lr = values.pop() if len(values) == 1 else None

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def _set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def step(self, active) -> None:
        with torch.no_grad():  # a context, not a decorator: the class must not import torch
            everyone = bool(active.all())
            if self.shared_lr is not None:
                # one rate for the stack: every active model takes exactly the step it would take
                # alone; frozen ones are put back (copied only while some model is frozen)
                self._set_lr(self.shared_lr)
                before = None if everyone else [p.detach().clone() for p in self.params]
                self.optimizer.step()
                if before is not None:
                    for p, old in zip(self.params, before):
                        p.copy_(torch.where(active.view((-1,) + (1,) * (p.dim() - 1)), p, old))
                return
            self._set_lr(1.0)
            before = [p.detach().clone() for p in self.params]
            self.optimizer.step()
            scale = self.lrs.to(active.device) * active
            for p, old in zip(self.params, before):
                shape = (-1,) + (1,) * (p.dim() - 1)
                stepped = old + (p - old) * scale.view(shape)
                p.copy_(torch.where(active.view(shape), stepped, old))
