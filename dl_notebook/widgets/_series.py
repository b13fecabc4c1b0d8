"""The bounded (x, y) series behind the live dashboard's charts.

When a series grows past its bound, neighbouring points are merged by
averaging (the series halves), so memory and drawing stay bounded over any
length of training.

Example:
    >>> from dl_notebook.widgets._series import Series
    >>> s = Series(max_points=2)
    >>> for x in range(3):
    ...     s.append(x, x * 10)
    >>> s.points(), s.ws
    ([[0.5, 5.0], [2.0, 20.0]], [2, 1])
"""

from __future__ import annotations

import math

__all__ = ["Series"]


class Series:
    """A bounded series of (x, y) points; when full, neighbours are merged by averaging.

    Each point remembers how many raw samples it stands for, so a merged point is
    the exact mean of the samples it covers. NaN marks a non-finite value.
    """

    __slots__ = ("xs", "ys", "ws", "max_points", "sent", "replaced")

    def __init__(self, max_points: int):
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.ws: list[int] = []
        self.max_points = max_points
        self.sent = 0  # points already sent to the browser
        self.replaced = False  # halved since the last send: resend it whole

    def append(self, x: float, y: float) -> None:
        self.xs.append(float(x))
        self.ys.append(float(y) if math.isfinite(y) else math.nan)
        self.ws.append(1)
        if len(self.xs) > self.max_points:
            self._halve()

    def _halve(self) -> None:
        xs, ys, ws = [], [], []
        for i in range(0, len(self.xs) - 1, 2):
            w1, w2 = self.ws[i], self.ws[i + 1]
            xs.append((self.xs[i] * w1 + self.xs[i + 1] * w2) / (w1 + w2))
            y1, y2 = self.ys[i], self.ys[i + 1]
            if math.isnan(y1) or math.isnan(y2):
                ys.append(y2 if math.isnan(y1) else y1)
            else:
                ys.append((y1 * w1 + y2 * w2) / (w1 + w2))
            ws.append(w1 + w2)
        if len(self.xs) % 2:
            xs.append(self.xs[-1])
            ys.append(self.ys[-1])
            ws.append(self.ws[-1])
        self.xs, self.ys, self.ws = xs, ys, ws
        self.replaced = True

    def points(self, start: int = 0) -> list[list]:
        """``[[x, y], ...]`` from *start*, with ``None`` for non-finite values (JSON-safe)."""
        return [
            [x, None if math.isnan(y) else y]
            for x, y in zip(self.xs[start:], self.ys[start:])
        ]
