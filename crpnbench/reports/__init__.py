"""Figures and tables of the paper from scored results.

- :mod:`crpnbench.reports.plots`: success / precision / normalized precision / per-attribute
  plots, VOT EAO curve and rank plot, fps bar chart, from plain arrays.
- :mod:`crpnbench.reports.tables`: summary tables as CSV, Markdown and LaTeX, and a reader.
- :func:`crpnbench.reports.report.write_report` (imported lazily): all of the above for one
  scored benchmark.
"""
