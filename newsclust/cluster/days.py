"""Time: an article's dates as day numbers, and how close two articles are in time.

Each article has up to :data:`MAX_DATES` dates: its publication date and the dates written in
its text (:func:`_text_dates`), each with a trust weight. Two articles are close in time when
some pair of their dates is (:func:`_date_closeness`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from newsclust.entities import extract_dates

_NO_DATE = 10**9  # a "day number" far from every real date: undated articles get no time help

#: Dates per article: the publication date and up to MAX_DATES - 1 dates from the text.
MAX_DATES = 6


def _text_dates(text: str, date: dt.date | None, back_weight: float) -> list[tuple[int, float]]:
    """Dates written in the text (not after publication, not the publication date itself) as
    (day number, trust): 1 in the first half of the text, ``back_weight`` in the second half.
    The dates nearest the publication date (the likeliest event dates) come first.
    """
    limit = date + dt.timedelta(days=1) if date else dt.date.max
    half = len(text) // 2
    found: dict[dt.date, float] = {}
    for part, weight in ((text[half:], back_weight), (text[:half], 1.0)):
        for d in extract_dates(part, date):
            if d <= limit and d != date:
                found[d] = max(found.get(d, 0.0), weight)
    near = sorted(found, key=lambda d: (abs((date - d).days) if date else 0, d))
    return [(d.toordinal(), found[d]) for d in near[: MAX_DATES - 1]]


def _date_closeness(dates: np.ndarray, weights: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                    decay) -> tuple[np.ndarray, np.ndarray]:
    """Best weighted decay(|x - y|) over the dates x of article i and y of article j.

    Returns (closeness, gap of the best pair); closeness is NaN when no pair of dates exists.
    """
    closeness = np.full(len(rows), np.nan)
    gaps = np.full(len(rows), np.nan)
    step = 100_000
    for s in range(0, len(rows), step):
        r, c = rows[s : s + step], cols[s : s + step]
        a, b = dates[r][:, :, None], dates[c][:, None, :]
        valid = (a != _NO_DATE) & (b != _NO_DATE)
        gap = np.abs(a - b).astype(np.float64)
        score = np.where(valid, weights[r][:, :, None] * weights[c][:, None, :] * decay(gap), -1.0)
        flat = score.reshape(len(r), -1)
        best = flat.argmax(axis=1)
        top = flat[np.arange(len(r)), best]
        found = top >= 0
        closeness[s : s + step] = np.where(found, top, np.nan)
        gaps[s : s + step] = np.where(found, gap.reshape(len(r), -1)[np.arange(len(r)), best],
                                      np.nan)
    return closeness, gaps
