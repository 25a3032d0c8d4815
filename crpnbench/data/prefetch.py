"""Decoding frames ahead of the tracker in a background thread.

OpenCV releases the GIL while it decodes a JPEG, so one thread reading the next few frames while
the tracker works on the current one hides most of the decode time. The queue is bounded (memory
stays at ``depth`` frames), a decode error reaches the consumer as the :class:`DataError` naming the
frame, and closing the prefetcher early (a failure, Ctrl-C, ``--max-frames``) stops the thread
cleanly instead of leaving it blocked on a full queue.

    with FramePrefetcher(sequence.frame_paths) as frames:
        for index, image in frames:
            ...
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from crpnbench.errors import DataError

#: how long the producer waits on a full queue before checking whether it was told to stop
_PUT_POLL_SECONDS = 0.05


class _Failure:
    """A decode error carried through the queue to the consumer."""

    def __init__(self, index: int, error: BaseException):
        self.index = index
        self.error = error


_END = object()


class FramePrefetcher:
    """Iterate ``(index, frame)`` over image files, decoded by a background thread.

    Args:
        paths: the frame files, in order.
        depth: how many decoded frames may wait in the queue (>= 1).
        reader: decodes one path into a BGR array; default :func:`crpnbench.data.read_image`,
            which raises :class:`DataError` naming the file for a missing or corrupt image.
        start: index of the first frame to decode.

    Any other exception raised by ``reader`` is wrapped in a :class:`DataError` naming the frame.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        depth: int = 8,
        reader: Callable[[Path], np.ndarray] | None = None,
        start: int = 0,
    ):
        if depth < 1:
            raise ValueError("prefetch depth must be at least 1")
        if reader is None:
            from crpnbench.data.sequence import read_image

            reader = read_image
        self.paths = [Path(p) for p in paths]
        self.depth = depth
        self.reader = reader
        self.start = start
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- producer ---------------------------------------------------------------------------
    def _put(self, item) -> bool:
        """Put ``item`` unless asked to stop; returns False when stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_PUT_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        for index in range(self.start, len(self.paths)):
            if self._stop.is_set():
                return
            try:
                item = (index, self.reader(self.paths[index]))
            except BaseException as error:  # noqa: BLE001 - handed to the consumer thread
                self._put(_Failure(index, error))
                return
            if not self._put(item):
                return
        self._put(_END)

    # -- consumer ---------------------------------------------------------------------------
    def start_thread(self) -> FramePrefetcher:
        """Start decoding (called by ``__enter__`` and ``__iter__``)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._produce, name="frame-prefetch", daemon=True)
            self._thread.start()
        return self

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        self.start_thread()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise self._as_data_error(item)
                yield item
        finally:
            self.close()

    def _as_data_error(self, failure: _Failure) -> DataError:
        error = failure.error
        if isinstance(error, DataError):
            return error
        path = self.paths[failure.index]
        return DataError(f"frame {failure.index + 1} could not be read: {error}", path=path)

    def close(self) -> None:
        """Stop the thread and drop queued frames; safe to call more than once."""
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    @property
    def running(self) -> bool:
        """Whether the decoding thread is still alive."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> FramePrefetcher:
        return self.start_thread()

    def __exit__(self, *exc_info) -> None:
        self.close()
