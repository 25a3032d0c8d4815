"""GOT-10k loader on a small fixture, cross-checked against the got10k package's own GOT10k class."""

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data.got10k import GOT10k
from crpnbench.errors import ConfigError, DataError


def make_got(root, subset, sequences):
    folder = root / subset
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "list.txt").write_text("\n".join(sequences) + "\n")
    for index, (name, (frames, rows)) in enumerate(sequences.items()):
        seq = folder / name
        seq.mkdir()
        for i in range(1, frames + 1):
            (seq / f"{i:08d}.jpg").touch()
        (seq / "groundtruth.txt").write_text("\n".join(",".join(f"{v:.4f}" for v in r) for r in rows) + "\n")
        if subset != "test":
            (seq / "absence.label").write_text("\n".join(str(int(i == 1)) for i in range(len(rows))) + "\n")
    return root


def boxes(n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(1, 100, size=(n, 4)).round(4)


def test_val_layout(tmp_path):
    written = {"GOT-10k_Val_000001": (5, boxes(5, 1)), "GOT-10k_Val_000002": (3, boxes(3, 2))}
    bench = open_benchmark("got10k", root=make_got(tmp_path, "val", written))
    assert bench.names == list(written) and bench.result_layout == "got10k"
    for name, (frames, rows) in written.items():
        seq = bench[name]
        assert len(seq) == frames and seq.frame_paths[0].name == "00000001.jpg"
        np.testing.assert_allclose(seq.boxes, rows)
        np.testing.assert_array_equal(seq.absent, np.arange(frames) == 1)


def test_val_matches_got10k_package(tmp_path):
    # got10k imports `six` without declaring it; skip (with the reason) where it is not installed
    datasets = pytest.importorskip("got10k.datasets", reason="got10k.datasets not importable (needs six)")
    PackageGOT10k = datasets.GOT10k
    make_got(tmp_path, "val", {"GOT-10k_Val_000001": (5, boxes(5, 1)), "GOT-10k_Val_000002": (3, boxes(3, 2))})
    ours = open_benchmark("got10k", root=tmp_path)
    theirs = PackageGOT10k(str(tmp_path), subset="val")
    assert ours.names == theirs.seq_names and ours.result_layout == "got10k"
    for index, name in enumerate(theirs.seq_names):
        img_files, anno = theirs[index]
        seq = ours[name]
        assert [str(p) for p in seq.frame_paths] == img_files
        np.testing.assert_allclose(seq.boxes, anno)
        np.testing.assert_array_equal(seq.absent, np.arange(len(seq)) == 1)


def test_test_subset_has_first_box_only(tmp_path):
    make_got(tmp_path, "test", {"GOT-10k_Test_000001": (6, boxes(1, 3))})
    seq = GOT10k(tmp_path, subset="test")["GOT-10k_Test_000001"]
    assert len(seq) == 6 and not np.isnan(seq.init_box).any() and np.isnan(seq.boxes[1:]).all()


def test_count_mismatch_and_missing_folder(tmp_path):
    make_got(tmp_path, "train", {"GOT-10k_Train_000001": (4, boxes(5, 4))})
    bench = GOT10k(tmp_path, subset="train")
    with pytest.raises(DataError, match=r"GOT-10k_Train_000001/groundtruth\.txt: 5 boxes for 4 frames"):
        bench["GOT-10k_Train_000001"]
    (tmp_path / "train" / "list.txt").write_text("GOT-10k_Train_000001\nGOT-10k_Train_000009\n")
    assert GOT10k(tmp_path, subset="train").missing == ["GOT-10k_Train_000009"]
    with pytest.raises(ConfigError):
        GOT10k(tmp_path, subset="dev")
