"""crpnbench: train the C-RPN tracker and benchmark trackers under the official protocols.

The package is a library first; :mod:`crpnbench.cli` is a thin Click layer over it.
Importing :mod:`crpnbench` is cheap: torch is imported only by the modules that need it.
The map of the package (what lives where, what may import what) is ``docs/architecture.md``,
checked by ``tests/test_architecture.py``.
"""

__version__ = "0.1.0"
