"""The built-in synthetic benchmark: determinism, ground truth vs drawn target, absent frames, loader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crpnbench.data import open_benchmark
from crpnbench.data import synthetic as syn
from crpnbench.data.sequence import read_image
from crpnbench.data.textio import read_boxes, read_flags
from crpnbench.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The test split generated once with the default seed (about a second)."""
    root = tmp_path_factory.mktemp("synthetic")
    syn.generate_split(root, "test", syn.DEFAULT_SEED)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(x1 - x0, 0) * max(y1 - y0, 0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _mask_bbox(mask: np.ndarray) -> np.ndarray:
    """1-based x, y, w, h of the True pixels."""
    ys, xs = np.nonzero(mask)
    return np.array([xs.min() + 1, ys.min() + 1, xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], float)


def test_same_seed_gives_identical_bytes_and_another_seed_differs(generated, tmp_path):
    again = tmp_path / "again"
    syn.generate_split(again, "test", syn.DEFAULT_SEED)
    first, second = _files(generated), _files(again)
    assert first.keys() == second.keys()
    assert len([k for k in first if k.endswith(".jpg")]) > 60 * 80
    assert all(first[k] == second[k] for k in first), "generation is not byte-identical"

    # another seed: other sequences (ground truth and pixels); rendering is what is written, up to JPEG
    for index in range(3):
        mine = syn.plan_sequence("test", index, syn.DEFAULT_SEED)
        theirs = syn.plan_sequence("test", index, syn.DEFAULT_SEED + 1)
        same_truth = mine.num_frames == theirs.num_frames and np.array_equal(
            mine.groundtruth()[0], theirs.groundtruth()[0]
        )
        assert not same_truth
        assert not np.array_equal(syn.render_frame(mine, 0)[0], syn.render_frame(theirs, 0)[0])


def test_layout_and_manifest(generated):
    manifest = json.loads((generated / "manifest.json").read_text())
    assert manifest["version"] == syn.GENERATOR_VERSION
    assert manifest["seed"] == syn.DEFAULT_SEED
    assert manifest["frame_size"] == [320, 240]
    entry = manifest["splits"]["test"]
    assert len(entry["sequences"]) == 60 and len(set(entry["sequences"])) == 60
    for name, frames in zip(entry["sequences"], entry["frames"]):
        folder = generated / "test" / name
        assert 80 <= frames <= 120
        assert len(list((folder / "img").glob("*.jpg"))) == frames
        assert (folder / "img" / f"{frames:04d}.jpg").is_file()
        assert len(read_boxes(folder / "groundtruth_rect.txt")) == frames
        assert len(read_flags(folder / "absent.txt")) == frames
    image = read_image(generated / "test" / entry["sequences"][0] / "img" / "0001.jpg")
    assert image.shape == (240, 320, 3)


def test_groundtruth_is_where_the_target_is_drawn(generated):
    """Render each frame with and without the target: the changed pixels' bbox is the gt box."""
    checked = 0
    for index in range(0, 12, 2):
        plan = syn.plan_sequence("test", index)
        gt = read_boxes(generated / "test" / plan.name / "groundtruth_rect.txt")
        absent = read_flags(generated / "test" / plan.name / "absent.txt")
        occluded = plan.occluded_fraction()
        for frame in range(0, plan.num_frames, 7):
            if absent[frame]:
                continue
            with_target, _ = syn.render_frame(plan, frame)
            without_target, _ = syn.render_frame(plan, frame, draw_target=False)
            changed = np.any(with_target != without_target, axis=2)
            assert changed.any()
            drawn = _mask_bbox(changed)
            if occluded[frame] == 0:
                assert _iou(drawn, gt[frame]) > 0.95, (plan.name, frame, drawn, gt[frame])
            else:  # the occluder hides part of the target: what shows is inside the gt box
                assert drawn[0] >= gt[frame][0] and drawn[1] >= gt[frame][1]
                assert drawn[0] + drawn[2] <= gt[frame][0] + gt[frame][2]
                assert drawn[1] + drawn[3] <= gt[frame][1] + gt[frame][3]
            checked += 1
    assert checked > 50


def test_jpeg_frames_show_the_target_texture_inside_the_gt_box(generated):
    """Decoded JPEGs: pixels inside the gt box match the target texture's colour, not the background's."""
    plan = syn.plan_sequence("test", 0)
    sequence = open_benchmark("synthetic", root=generated)[plan.name]
    target_mean = plan.target.texture.reshape(-1, 3).mean(axis=0)
    occluded = plan.occluded_fraction()
    for frame in range(0, len(sequence), 10):
        if sequence.absent[frame] or occluded[frame] > 0:
            continue
        image = sequence.frame(frame).astype(np.float64)
        x, y, w, h = sequence.boxes[frame].astype(int)
        inside = image[y - 1 + 2 : y - 1 + h - 2, x - 1 + 2 : x - 1 + w - 2].reshape(-1, 3)
        assert np.abs(inside.mean(axis=0) - target_mean * plan.gain[frame]).max() < 25
        rendered, _ = syn.render_frame(plan, frame)
        assert np.abs(image - rendered).mean() < 4  # the file is the rendering, up to JPEG loss


def test_absent_frames_are_out_of_view(generated):
    benchmark = open_benchmark("synthetic", root=generated)
    with_absent = 0
    for sequence in benchmark:
        assert not sequence.absent[0], "frame 1 initialises trackers: the target must be visible"
        gt_file = read_boxes(generated / "test" / sequence.name / "groundtruth_rect.txt")
        assert np.all(np.isnan(sequence.boxes[sequence.absent]))
        assert np.all(gt_file[sequence.absent] == 0)
        assert np.all(np.isfinite(sequence.boxes[~sequence.absent]))
        assert np.all(sequence.boxes[~sequence.absent, 2:] >= 1)
        assert np.array_equal(sequence.frame_tags["out_of_view"], sequence.absent)
        if sequence.absent.any():
            with_absent += 1
            assert "OV" in sequence.attributes
            plan = syn.plan_sequence("test", benchmark.names.index(sequence.name))
            for frame in np.flatnonzero(sequence.absent)[:3]:
                _, mask = syn.render_frame(plan, frame)
                assert not mask.any()  # no target pixel in the image
    assert with_absent >= 2


def test_sizes_attributes_and_both_splits_plan():
    test_plans = [syn.plan_sequence("test", i) for i in range(60)]
    train_plans = [syn.plan_sequence("train", i) for i in range(40)]
    assert all(p.num_frames == 100 for p in train_plans)
    assert len({p.name for p in test_plans}) == 60 and len({p.name for p in train_plans}) == 40
    for plan in test_plans + train_plans:
        sizes = plan.target.boxes[:, 2:]
        assert sizes.min() >= 20 and sizes.max() <= 70
    # occlusion is partial: some of the target always shows
    occluded = [p.occluded_fraction().max() for p in test_plans + train_plans if p.occluder is not None]
    assert sum(f >= 0.2 for f in occluded) >= 10 and max(occluded) <= 0.75
    attributes = set().union(*(p.attributes for p in test_plans))
    assert {"SV", "OCC", "OV", "BC", "DEF", "FM", "IV"} <= attributes
    # every attribute of the per-attribute ablation breakdown has enough sequences on each side
    for code in ("BC", "SV", "DEF", "OCC", "OV", "FM", "IV"):
        having = sum(code in p.attributes for p in test_plans)
        assert 10 <= having <= 50, (code, having)
    # distractors share the target's texture family: same style, different colour
    plan = next(p for p in test_plans if p.distractors)
    tint_gap = np.abs(plan.target.texture.mean(axis=(0, 1)) - plan.distractors[0].texture.mean(axis=(0, 1)))
    assert tint_gap.max() > 20


def test_open_benchmark_generates_once_and_regenerates_when_outdated(tmp_path, capsys):
    root = tmp_path / "synthetic"
    benchmark = open_benchmark("synthetic", root=root)
    assert "generating the synthetic benchmark" in capsys.readouterr().err
    assert len(benchmark) == 60 and benchmark.missing == []
    sequence = benchmark[benchmark.names[0]]
    assert sequence.image_size == (320, 240)
    assert sequence.attributes == tuple(
        a.strip() for a in (root / "test" / sequence.name / "attrs.txt").read_text().split(",")
    )
    stamp = (root / "test" / sequence.name / "img" / "0001.jpg").stat().st_mtime_ns

    again = open_benchmark("synthetic", root=root)
    assert capsys.readouterr().err == ""
    assert again.names == benchmark.names
    assert (root / "test" / sequence.name / "img" / "0001.jpg").stat().st_mtime_ns == stamp

    manifest = json.loads((root / "manifest.json").read_text())
    manifest["version"] = syn.GENERATOR_VERSION - 1
    (root / "manifest.json").write_text(json.dumps(manifest))
    open_benchmark("synthetic", root=root)
    assert "generating" in capsys.readouterr().err
    assert json.loads((root / "manifest.json").read_text())["version"] == syn.GENERATOR_VERSION
    assert not list(root.glob(".*tmp*")) and not list(root.glob(".*old*"))

    # another seed is another benchmark: the loader would regenerate
    assert syn.split_status(root, "test", syn.DEFAULT_SEED) is None
    assert "seed" in syn.split_status(root, "test", syn.DEFAULT_SEED + 1)


def test_bad_input_is_one_clear_error(generated, tmp_path):
    with pytest.raises(ConfigError, match="split"):
        open_benchmark("synthetic", root=generated, split="val")
    with pytest.raises(ConfigError, match="annotation"):
        syn.Synthetic(annotations=generated / "manifest.json")
    with pytest.raises(DataError, match="not usable"):
        syn.Synthetic(root=tmp_path / "nothing", generate=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataError, match="cannot write the synthetic benchmark"):
        open_benchmark("synthetic", root=blocker / "synthetic")

    # a corrupted copy of one sequence's ground truth: file:line in the message
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(generated, copy)
    name = json.loads((copy / "manifest.json").read_text())["splits"]["test"]["sequences"][1]
    gt_file = copy / "test" / name / "groundtruth_rect.txt"
    original = gt_file.read_text().splitlines()
    gt_file.write_text("\n".join(original[:4] + ["12,abc,30,40"] + original[5:]) + "\n")
    with pytest.raises(DataError, match=rf"groundtruth_rect\.txt:5: "):
        open_benchmark("synthetic", root=copy)[name]

    # ground truth says out of view (0,0,0,0) where absent.txt says visible
    gt_file.write_text("\n".join(["0,0,0,0"] + original[1:]) + "\n")
    with pytest.raises(DataError, match=r"absent\.txt:1: "):
        open_benchmark("synthetic", root=copy)[name]
