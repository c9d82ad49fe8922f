"""Atomic file writing: a reader never sees a half-written file, even after kill -9. And what
a written file, a table or a caption shows as no number (`missing`)."""

import json
import math
import numbers
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` on a temporary path next to `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def missing(x) -> bool:
    """No number to show: None, NaN, ±inf (a diverged run's metric, a statistic without data)
    or pandas' NA and NaT. JSON writes each as null (finite_or_none), a page as blank, a
    caption as n/a. A value that is not a number (a string, a list) is not missing."""
    if x is None:
        return True
    if isinstance(x, numbers.Real):  # Python's and numpy's numbers
        return not math.isfinite(x)
    # pandas' NA and NaT: only where pandas is loaded can a value be one of them
    pandas = sys.modules.get("pandas")
    return pandas is not None and pandas.isna(x) is True


def finite_or_none(row: dict) -> dict:
    """JSON has no NaN: a missing number is null."""
    return {k: (None if missing(v) else v) for k, v in row.items()}


def write_json(path, obj) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n"))


def write_csv(path, frame) -> None:
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def read_json(path):
    return json.loads(Path(path).read_text())
