"""Raw tracker result files: writing them (:mod:`.write`) and reading them (:mod:`.read`).

Layouts, relative to a results folder holding one folder per tracker:

* ``ope``    (OTB, LaSOT, TrackingNet, synthetic): ``<tracker>/<seq>.txt``, one ``x,y,w,h`` per frame
  (1-based pixels), and ``<tracker>/<seq>_time.txt`` with seconds per frame.
* ``got10k``: ``<tracker>/<seq>/<seq>_001.txt`` and ``<seq>_time.txt``.
* ``vot``    (baseline / realtime): ``<tracker>/<experiment>/<seq>/<seq>_001.txt`` with ``1`` on an
  initialisation frame, ``2`` on a failure, ``0`` on frames skipped after it, else ``x,y,w,h``;
  and ``<seq>_001_time.txt``.
"""
