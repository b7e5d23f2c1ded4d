"""Dates as news pages write them: ISO stamps, "Dec 29,2020", "29 December 2020", "12/29/2020"."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

_PATTERNS = (
    re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<mnum>\d\d)-(?P<day>\d\d)"),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,\s*(?P<year>(?:19|20)\d\d)", re.I),
    re.compile(
        r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)", re.I
    ),
    re.compile(r"(?P<mnum>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d\d)"),
)


def _build(match: re.Match[str]) -> dt.date | None:
    parts = match.groupdict()
    month = _MONTHS[parts["month"].lower()] if parts.get("month") else int(parts["mnum"])
    try:
        return dt.date(int(parts["year"]), month, int(parts["day"]))
    except ValueError:
        return None


def find_date(text: str) -> dt.date | None:
    """The first calendar date written anywhere in ``text``, or None."""
    if "19" not in text and "20" not in text:
        return None  # every pattern needs a year 19xx or 20xx: most lines end here
    found: list[tuple[int, dt.date]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            date = _build(match)
            if date is not None:
                found.append((match.start(), date))
                break
    return min(found)[1] if found else None


def parse_date(value: str) -> dt.date | None:
    """A metadata date field: an ISO date or timestamp, or any form ``find_date`` knows."""
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return find_date(value)
