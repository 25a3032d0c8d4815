"""OTB-50 ("TB-50"): the 50 difficult targets of OTB-2015 (Wu et al., TPAMI 2015), a subset of OTB-100.

The list is the OTB toolkit's ``tb_50.txt`` (jwlim tracker_benchmark ``data/``), in its order. It is not
OTB-2013 (``otb2013``: the CVPR'13 benchmark's 51 targets, ``cvpr13.txt``); the two share 28 targets.
Papers write "OTB-50" for either, so check which list a published number used. Everything else (folders,
quirks, JSON annotation files, attributes) is OTB-2015's: see :mod:`crpnbench.data.otb`.
"""

from __future__ import annotations

from crpnbench.data.otb import OTB

#: the 50 targets of tb_50.txt, in toolkit order
OTB50_SEQUENCES: tuple[str, ...] = tuple(
    """
    Basketball Biker Bird1 BlurBody BlurCar2 BlurFace BlurOwl Bolt Box Car1 Car4 CarDark CarScale ClifBar
    Couple Crowds David Deer Diving DragonBaby Dudek Football Freeman4 Girl Human3 Human4-2 Human6 Human9
    Ironman Jump Jumping Liquor Matrix MotorRolling Panda RedTeam Shaking Singer2 Skating1 Skating2-1
    Skating2-2 Skiing Soccer Surfer Sylvester Tiger2 Trellis Walking Walking2 Woman
    """.split()
)


class OTB50(OTB):
    """OTB-50 (tb_50.txt) from the OTB folders or an OTB-2015 JSON file (e.g. pysot's ``OTB100.json``)."""

    def __init__(self, root=None, annotations=None):
        super().__init__(root=root, annotations=annotations, version=2015)
        self.name = "otb50"

    def list_sequences(self) -> list[str]:
        return list(OTB50_SEQUENCES)
