"""Import heavy modules on first attribute access (stdlib LazyLoader recipe).

Registries (activations, inits) reference torch in function bodies only; loading them
lazily keeps `import dltips.config` -- which the Snakefile does on every parse, including
once per cluster job -- free of torch's ~1 s import.
"""

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
