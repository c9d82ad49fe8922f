"""What a run directory records about where its numbers came from."""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

PACKAGES = ("dltips", "torch", "numpy", "pandas", "mnist1d", "scikit-learn", "mlxtend", "snakemake")


def versions() -> dict:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out
