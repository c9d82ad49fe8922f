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
torch = lazy_import("torch")
F = lazy_import("torch.nn.functional")
stats = lazy_import("scipy.stats")
plt = lazy_import("matplotlib.pyplot")
gridspec = lazy_import("matplotlib.gridspec")
ticker = lazy_import("matplotlib.ticker")
transforms = lazy_import("matplotlib.transforms")
mlines = lazy_import("matplotlib.lines")
legend_handler = lazy_import("matplotlib.legend_handler")
sns = lazy_import("seaborn")
figures = lazy_import("dltips.figures")
mlp = lazy_import("dltips.model")
training = lazy_import("dltips.trainer")
posthoc = lazy_import("dltips.posthoc")  # torch: loaded to build a table, never to parse the Snakefile
