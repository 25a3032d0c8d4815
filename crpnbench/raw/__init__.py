"""Raw tracker result files: where they live (:mod:`.layout`: the only module that builds their
paths, for writers and readers alike), writing them (:mod:`.write`) and reading them (:mod:`.read`).
The layouts (``otb``, ``got10k``, ``vot``) are described in :mod:`.layout`.
"""
