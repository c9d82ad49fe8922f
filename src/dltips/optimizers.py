"""Optimizers, one registry entry each: a torch.optim class and its fixed settings.

Each (activation, optimizer) gets its own learning rate (tuned or fixed, see
jobs.choose_learning_rate); the hyper-parameters below come from `optimizer_params` in
config.yaml.
"""

import inspect
import sys
from dataclasses import dataclass, field

from .lazy import torch
from .registry import Registry


@dataclass(frozen=True)
class OptimizerSpec:
    torch_class: str  # name in torch.optim
    defaults: dict = field(default_factory=dict)
    # how torch.optim computes the update (never what it computes): the fastest on stacked
    # tensors that keeps a model's update bit for bit the same alone or in a stack
    implementation: dict = field(default_factory=dict)
    # step each model's slice of a stacked parameter as a tensor of its own. A fused kernel
    # runs over a whole tensor in vector lanes and computes the elements past the last full
    # vector apart, rounding them otherwise; over a stack, which of a model's elements those
    # are would depend on its place. On its own slice they are the ones it has alone.
    per_model: bool = False


OPTIMIZERS: Registry[OptimizerSpec] = Registry("optimizer")

OPTIMIZERS.register("sgd", OptimizerSpec("SGD"))
OPTIMIZERS.register("momentum", OptimizerSpec("SGD", {"momentum": 0.9}))
OPTIMIZERS.register("adagrad", OptimizerSpec("Adagrad"))
OPTIMIZERS.register("rmsprop", OptimizerSpec("RMSprop", {"alpha": 0.99}))
OPTIMIZERS.register("adam", OptimizerSpec("Adam", {"betas": (0.9, 0.999)}, implementation={"fused": True},
                                          per_model=True))


# torch.optim imports all of torch._dynamo the first time an optimizer is built, zeroed or
# stepped -- in a training job, a third of its start-up (README: Performance) -- only to mark
# those methods "not for torch.compile" and to break compiled graphs around step(). dltips
# compiles nothing, so it passes those wrappers: each marked method is given itself as its
# cached "disabled" version (the attribute torch._compile looks up before importing), and
# step() is called unwrapped. The update is the same code on the same tensors; torch is
# pinned (pyproject.toml), and a test checks both the import and the numbers.
_MARKED = ("add_param_group", "zero_grad", "state_dict", "load_state_dict")


def _skip_dynamo_marks() -> None:
    if "torch._dynamo" in sys.modules:
        return  # loaded anyway (something compiles): leave torch's own behaviour alone
    for name in _MARKED:
        original = getattr(getattr(torch.optim.Optimizer, name), "__wrapped__", None)
        if original is not None and not hasattr(original, "__dynamo_disable"):
            setattr(original, "__dynamo_disable", original)


def _unwrapped_step(optimizer):
    """optimizer.step without torch.optim's profiler hook and graph-break wrappers (the
    caller holds torch.no_grad(), which is all the inner one adds)."""
    return inspect.unwrap(type(optimizer).step).__get__(optimizer)


class PerModelLR:
    """A torch.optim optimizer over stacked parameters [K, ...] with one learning rate per model.

    Where the optimizer steps each model's slice apart (OptimizerSpec.per_model), each model's
    slices form a parameter group at its own rate. Elsewhere, every torch.optim update used
    here is `p -= lr * u` with a state `u` that does not depend on lr, so stepping at lr=1 and
    scaling each model's delta by its own lr is exactly the per-model update (up to float
    rounding). `active` freezes models (diverged, or stopped early) without touching the others.
    """

    def __init__(self, name: str, params: list, lrs, settings: dict | None = None, host_reads: bool | None = None):
        self.name, self.settings = name, settings
        spec = OPTIMIZERS[name]
        kwargs = {**spec.defaults, **(settings or {})}
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        self.params = list(params)
        device = self.params[0].device
        torch_class = getattr(torch.optim, spec.torch_class)
        if device.type != "cpu" and "capturable" in inspect.signature(torch_class).parameters:
            # step counts on the device, read there: no host round trip per step (CUDA graphs)
            kwargs["capturable"] = True
        if spec.implementation.get("fused"):
            kwargs.pop("capturable", None)  # a fused update keeps its step counts on the device anyway
        self.lr_values = [float(lr) for lr in lrs]
        self.lrs = torch.as_tensor(self.lr_values, dtype=torch.float32, device=device)
        # where every model shares one rate (a job's runs do), step at that rate directly:
        # no rescaling, and each model's update is bit for bit the one it takes alone
        values = set(self.lr_values)
        self.shared_lr = values.pop() if len(values) == 1 else None
        _skip_dynamo_marks()
        # each model's slices (views sharing the stacked storage), where the optimizer steps them
        self.slices = [[p.detach()[k] for p in self.params] for k in range(len(lrs))] if spec.per_model else None
        self._grads: list = [None] * len(self.params)  # the stacked gradients the slices' ones view
        if self.slices is None:
            groups = self.params
        elif self.shared_lr is not None:
            groups = [{"params": [v for model in self.slices for v in model], "lr": self.shared_lr}]
        else:
            groups = [{"params": model, "lr": lr} for model, lr in zip(self.slices, self.lr_values)]
        self.optimizer = torch_class(groups, lr=1.0, **kwargs, **spec.implementation)
        self._step = _unwrapped_step(self.optimizer)
        # the parameters before a step, kept to put frozen models back (allocated once)
        self._before = [torch.empty_like(p) for p in self.params]
        # whether a step may look at `active` on the host: free where the tensors live there,
        # a wait for the device anywhere else (None: on the CPU only)
        self.host_reads = device.type == "cpu" if host_reads is None else host_reads

    def select(self, models, params: list) -> "PerModelLR":
        """This optimizer for the given models only, over `params` (their stacked parameters,
        in the order of self.params): every state tensor shaped like its parameter is cut to
        those models, the rest (step counts) copied, so each model's next update is the one
        it would have taken in the full stack."""
        picked = PerModelLR(self.name, params, [self.lr_values[k] for k in models], self.settings, self.host_reads)
        if self.slices is not None:  # a slice's state moves with it
            for mine, k in zip(picked.slices, models):
                for new, old in zip(mine, self.slices[k]):
                    picked.optimizer.state[new] = {key: value.clone() if torch.is_tensor(value) else value
                                                   for key, value in self.optimizer.state.get(old, {}).items()}
            return picked
        picked.shared_lr = self.shared_lr  # a mixed-rate stack keeps its update rule
        index = torch.tensor(list(models), device=params[0].device)
        for old, new in zip(self.params, params):
            picked.optimizer.state[new] = {
                key: (value.index_select(0, index) if value.shape == old.shape else value.clone())
                if torch.is_tensor(value) else value
                for key, value in self.optimizer.state.get(old, {}).items()
            }
        return picked

    def zero_grad(self) -> None:
        if self.slices is None:
            self.optimizer.zero_grad(set_to_none=True)
            return
        for p in self.params:  # zeroed in place: the slices' gradients stay views of these
            if p.grad is not None:
                p.grad.zero_()

    def _bind_slice_grads(self) -> None:
        """Each slice's gradient: its view of the stacked parameter's (bound again only where
        that tensor was replaced, e.g. by the first backward)."""
        for i, p in enumerate(self.params):
            if p.grad is not self._grads[i]:
                self._grads[i] = p.grad
                for model, view in enumerate(s[i] for s in self.slices):
                    view.grad = None if p.grad is None else p.grad[model]

    def _set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def step(self, active) -> None:
        """One update of every model where `active` ([K] bool, on the parameters' device) is
        True; the others keep their parameters. Off the host (host_reads False) this is decided
        by selection on the device, never by reading `active`: the step has no host
        synchronisation, so a GPU runs it ahead of the host or captures it as a graph. On the
        host, a stack with no frozen model (nearly every step) skips the selection."""
        with torch.no_grad():  # a context, not a decorator: the class must not import torch
            if self.slices is not None:
                self._bind_slice_grads()
            if self.shared_lr is not None or self.slices is not None:
                # every active model takes exactly the step it would take alone
                if self.slices is None:
                    self._set_lr(self.shared_lr)
                if self.host_reads and bool(active.all()):
                    self._step()
                    return
                for before, p in zip(self._before, self.params):
                    before.copy_(p)
                self._step()
                for p, old in zip(self.params, self._before):
                    torch.where(active.view((-1,) + (1,) * (p.dim() - 1)), p, old, out=p)
                return
            for before, p in zip(self._before, self.params):
                before.copy_(p)
            self._set_lr(1.0)
            self._step()
            scale = self.lrs * active
            for p, old in zip(self.params, self._before):
                shape = (-1,) + (1,) * (p.dim() - 1)
                stepped = old + (p - old) * scale.view(shape)
                torch.where(active.view(shape), stepped, old, out=p)
