"""Training pairs: crops, the box in search-crop coordinates, augmentation, frame sampling, loader."""

from __future__ import annotations

import numpy as np
import pytest

from crpnbench.data.sequence import Sequence
from crpnbench.errors import DataError
from crpnbench.training.pairs import (
    PairConfig, TrainingPairs, context_side, make_loader, make_pair, otb_folder_sequence, valid_frames,
)

BOX = np.array([161.0, 101.0, 60.0, 40.0])  # 1-based x, y, w, h: pixels 160..219 x 100..139 (0-based)


def _frame_with_box(box=BOX, size=(400, 300)):
    image = np.zeros((size[1], size[0], 3), np.uint8)
    x, y, w, h = (int(v) for v in box)
    image[y - 1:y - 1 + h, x - 1:x - 1 + w] = 255
    return image


def _white_extent(crop):
    ys, xs = np.nonzero(crop[..., 1] > 127)
    return np.array([(xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2,
                     xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], dtype=float)


def test_unaugmented_pair_is_centred_with_context_half():
    config = PairConfig().without_augmentation()
    frame = _frame_with_box()
    template, search, box = make_pair(frame, BOX, frame, BOX, config, np.random.default_rng(0))
    assert template.shape == (127, 127, 3) and search.shape == (255, 255, 3)
    side = context_side(60, 40, 0.5)  # sqrt(110 * 90)
    assert side == pytest.approx(np.sqrt(110 * 90))
    scale = 127 / side
    np.testing.assert_allclose(box, [127, 127, 60 * scale, 40 * scale], rtol=1e-5)
    # the target (white) fills the template centre with the context band around it
    np.testing.assert_allclose(_white_extent(template), [63, 63, 60 * scale, 40 * scale], atol=1.5)
    np.testing.assert_allclose(_white_extent(search), box, atol=1.5)


def test_augmented_box_follows_the_target_in_the_search_crop():
    config = PairConfig(blur_probability=0, color_probability=0, gray_probability=0)
    frame = _frame_with_box()
    offsets = []
    for seed in range(8):
        _, search, box = make_pair(frame, BOX, frame, BOX, config, np.random.default_rng(seed))
        np.testing.assert_allclose(_white_extent(search), box, atol=2.0)
        offsets.append(box[:2] - 127)
    offsets = np.array(offsets)
    assert np.abs(offsets).max() <= config.search_shift + 1e-6
    assert offsets.std() > 5  # the target really moves around the crop


def test_colour_and_blur_change_only_the_search_crop():
    config = PairConfig(search_shift=0, search_scale=0, template_shift=0, template_scale=0,
                        blur_probability=1.0, color_probability=1.0, gray_probability=0)
    frame = (_frame_with_box() // 2 + 60).astype(np.uint8)  # grey levels 60 and 187: room to jitter
    plain = make_pair(frame, BOX, frame, BOX, config.without_augmentation(), np.random.default_rng(1))
    jittered = make_pair(frame, BOX, frame, BOX, config, np.random.default_rng(1))
    np.testing.assert_array_equal(plain[0], jittered[0])
    assert np.abs(plain[1].astype(int) - jittered[1].astype(int)).mean() > 2
    np.testing.assert_allclose(plain[2], jittered[2])


def test_unusable_frames_are_never_sampled(tmp_path):
    boxes = np.array([[1, 1, 10, 10], [np.nan] * 4, [1, 1, 0, 10], [1, 1, 10, 10], [1, 1, 10, 10]], float)
    absent = np.array([False, False, False, True, False])
    seq = Sequence("s", [tmp_path / f"{i}.jpg" for i in range(5)], boxes, absent=absent)
    assert valid_frames(seq).tolist() == [0, 4]
    empty = Sequence("empty", [tmp_path / "x.jpg"], np.full((1, 4), np.nan))
    pairs = TrainingPairs([seq, empty], 4, seed=0)
    assert pairs.skipped == ["empty"]
    with pytest.raises(DataError, match="no sequence has a usable"):
        TrainingPairs([empty], 4)


def test_real_pairs_respect_the_frame_gap_and_are_reproducible(refdata):
    seq = otb_folder_sequence(refdata / "otb" / "seqs" / "Crossing")
    pairs = TrainingPairs([seq], 12, PairConfig(frame_gap=5), seed=3)
    gaps = [abs(np.subtract(*pairs.sample(i)["frames"])) for i in range(12)]
    assert max(gaps) <= 5 and len(set(gaps)) > 1
    first = pairs.sample(4)
    again = TrainingPairs([seq], 12, PairConfig(frame_gap=5), seed=3).sample(4)
    np.testing.assert_array_equal(first["search"], again["search"])
    np.testing.assert_array_equal(first["box"], again["box"])
    pairs.set_epoch(1)
    assert not np.array_equal(pairs.sample(4)["search"], first["search"])


def test_loader_batches_are_the_same_with_and_without_workers(refdata):
    seq = otb_folder_sequence(refdata / "otb" / "seqs" / "Couple")
    config = PairConfig(exemplar_size=103, instance_size=135)
    pairs = TrainingPairs([seq], 6, config, seed=7)
    in_process = list(make_loader(pairs, batch_size=3, workers=0, seed=7))
    with_workers = list(make_loader(pairs, batch_size=3, workers=2, seed=7))
    assert len(in_process) == 2
    batch = in_process[0]
    assert tuple(batch["template"].shape) == (3, 3, 103, 103)
    assert tuple(batch["search"].shape) == (3, 3, 135, 135)
    assert tuple(batch["box"].shape) == (3, 4)
    assert batch["search"].max() > 1  # BGR 0..255, not normalised
    for a, b in zip(in_process, with_workers):
        for key in ("template", "search", "box"):
            assert a[key].equal(b[key])
