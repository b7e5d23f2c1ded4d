"""Commands over the story database (cron mode): update, stories, show."""

from __future__ import annotations
