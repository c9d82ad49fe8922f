"""Import heavy modules on first attribute access.

Registries (activations, inits, optimizers) reference torch in function bodies only; loading
it lazily keeps `import dltips.config` -- which the Snakefile does on every parse, including
once per cluster job -- and every claim that only reads tables free of torch's import.

The stand-in is NOT put in sys.modules (the stdlib LazyLoader recipe does that): libraries
take a `torch` in sys.modules to mean torch is loaded and look inside it -- scipy.stats'
array-API check calls getattr(sys.modules["torch"], "Tensor") on every distribution call --
which imported all of torch in every table-only claim job (measured: 10 of 10 such claims).
"""

import importlib
import importlib.util
import sys
from types import ModuleType


class _Lazy(ModuleType):
    def __getattr__(self, attr):
        module = importlib.import_module(self.__name__)
        # from now on attribute lookups are plain dict hits: the hot training loop pays nothing
        self.__dict__.update(vars(module))
        return getattr(module, attr)


def lazy_import(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    # the top-level package only: finding a submodule's spec would import its parents
    if importlib.util.find_spec(name.partition(".")[0]) is None:
        raise ModuleNotFoundError(name)
    return _Lazy(name)


# The heavy modules dltips loads lazily, one table, each under the one name its users give it:
# `from dltips.lazy import plt, torch`.
torch, F = lazy_import("torch"), lazy_import("torch.nn.functional")
stats = lazy_import("scipy.stats")
sns = lazy_import("seaborn")
plt, gridspec, ticker, transforms, mlines, legend_handler = (
    lazy_import(f"matplotlib.{name}") for name in ("pyplot", "gridspec", "ticker", "transforms", "lines", "legend_handler"))
# dltips' own: torch behind them (posthoc: loaded to build a table, never to parse the Snakefile)
figures, mlp, training, posthoc = (lazy_import(f"dltips.{name}") for name in ("figures", "model", "trainer", "posthoc"))
