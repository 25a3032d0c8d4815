"""LaSOT extension (Fan et al., IJCV 2021): 150 test sequences of 15 categories not in LaSOT, 10 each.

The download (``LaSOT_extension_subset``) has LaSOT's layout, so the LaSOT loader reads it
(:class:`crpnbench.data.lasot.LaSOT`: ``<root>/<category>/<category-N>/img/00000001.jpg``,
``groundtruth.txt``, ``full_occlusion.txt``, ``out_of_view.txt``; or a toolkit-style ``anno/`` folder), and
it is scored with LaSOT's protocol and metrics (absent frames out of the numerator, kept in the
denominator; success, precision, normalized precision). Only the sequence list differs: the 150 names
below (categories atv ... wingsuit, numbered 1-10), in category order.
"""

from __future__ import annotations

from crpnbench.data.lasot import LaSOT

#: the 15 categories of the extension
LASOT_EXT_CATEGORIES: tuple[str, ...] = (
    "atv", "badminton", "cosplay", "dancingshoe", "footbag", "frisbee", "jianzi", "lantern", "misc", "opossum",
    "paddle", "raccoon", "rhino", "skatingshoe", "wingsuit",
)
LASOT_EXT_SEQUENCES: tuple[str, ...] = tuple(f"{c}-{n}" for c in LASOT_EXT_CATEGORIES for n in range(1, 11))


class LaSOTExtension(LaSOT):
    """The 150 LaSOT extension sequences from their folders (or an ``anno/`` folder), read as LaSOT is."""

    def __init__(self, root=None, annotations=None):
        super().__init__(root=root, annotations=annotations, protocol=2)
        self.name = "lasot-ext"

    def list_sequences(self) -> list[str]:
        return list(LASOT_EXT_SEQUENCES)
