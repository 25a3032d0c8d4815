"""Trackers: the interface every tracker implements, C-RPN, OpenCV baselines and plug-ins."""

from crpnbench.tracking.base import Tracker

__all__ = ["Tracker"]
