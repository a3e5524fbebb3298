"""The engine's one progress protocol: ``progress(done, total, message)``.

Every engine function that reports progress takes ``progress: Progress | None`` and calls it
with the units done so far, the total (both ints; ``done == total`` at the end) and a short
message naming the step — in the shape of tqdm's ``update``/``set_description`` or rich's
``Progress.update(completed=, total=, description=)``, so a notebook can pass e.g.
``lambda done, total, message="": print(f"{done}/{total} {message}")``.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called as work proceeds; an exception raised by it aborts the work."""

    def __call__(self, done: int, total: int, message: str = "") -> object: ...


def _silent(done: int, total: int, message: str = "") -> None:
    return None


def report(progress: Progress | None) -> Progress:
    """``progress`` itself, or a callback that does nothing."""
    return progress if progress is not None else _silent
