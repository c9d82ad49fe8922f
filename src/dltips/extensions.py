"""Load user modules that register their own components (activations, optimizers, ...).

`extensions:` in config.yaml lists Python files (relative to the working directory) or
importable module names. Each is imported once, in the Snakemake process before the config
is validated and in every job before it runs, so a component registered there is allowed
by the schema and known to the trainer -- without editing dltips itself.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

from .registry import loading, registered_by

_loaded: set[str] = set()


def load(extensions: list[str] | None) -> None:
    for name in extensions or []:
        if name in _loaded:
            continue
        with loading(name):
            if name.endswith(".py"):
                path = Path(name).resolve()
                if not path.exists():
                    raise FileNotFoundError(f"config key 'extensions': no file {name!r} (looked at {path})")
                module_name = f"dltips_extension_{path.stem}"
                spec = importlib.util.spec_from_file_location(module_name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
            else:
                importlib.import_module(name)
        _loaded.add(name)


def registered(extensions: list[str] | None) -> dict[str, dict[str, list[str]]]:
    """extension -> {kind: names it registered}, for the study's provenance."""
    return {name: registered_by(name) for name in extensions or []}
