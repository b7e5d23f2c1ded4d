"""Cron mode: add what is new under the input folders to the story database.

One ``update`` (:func:`update`, in :mod:`.run`):

1. **Scan** the inputs (:mod:`.files`): a file is read only when it is new, or its size or mtime
   changed *and* its SHA-256 changed (a touched file is not re-read). A changed file replaces
   its articles.
2. **Load and clean** the files read, with the batch pipeline's own functions (:mod:`.intake`).
3. **Deduplicate** against everything stored (:mod:`.copies`): the new signatures query the
   stored LSH index (:mod:`.lsh`); the candidates, their whole copy groups and the new
   articles are then grouped by ``NearDuplicateFinder`` exactly as in a batch run.
4. **Cluster the neighbourhood** with the batch algorithm (:mod:`.neighbourhood` chooses it,
   :mod:`.plan` clusters it): the new articles with every story close to them in time, every
   story sharing their rarest names, and every story whose copy groups they change. Stories
   outside it stay as they are. Per-article analyses are kept in the database
   (:mod:`.analyses`), so only new articles are analysed. On gva-dev in 10 date-ordered
   batches this ends within 0.01 B-cubed F1 of one batch run (tests/test_update.py;
   ``benchmarks/update_gap.py`` measures it; :mod:`.plan` says where the difference comes
   from).
5. **Keep story ids stable** (:mod:`.plan`): a new cluster inherits the id of the stored story
   it holds most articles of; other clusters get a fresh id from their first article.
6. **Summarise** only the stories whose articles changed (:mod:`.summaries`, on ``jobs``
   processes as batch does), then **write** everything in one transaction (:mod:`.write`),
   with the file records last, so a run killed before its commit is redone in full by the
   next run. :mod:`.report` tells the user what changed.

Nothing here prints or imports typer/rich; the CLI renders :class:`UpdateResult`. This module
imports only light parts at once (the CLI imports it at start-up); the rest (numpy, the
clusterer) loads on first use of a name that needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .crash import CRASH_ENV, CRASH_STAGES
from .files import scan
from .model import DEFAULT_WINDOW_DAYS, UpdateOptions, UpdateResult, story_order

if TYPE_CHECKING:
    from .analyses import decode_analyses, encode_analyses
    from .lsh import NUM_PERM, LshTables, signature_matrix
    from .run import update
    from .summaries import story_from_stored

    # The names tests and benchmarks used before this was a package.
    _LshTables = LshTables
    _signature_matrix = signature_matrix
    _encode_analyses = encode_analyses
    _decode_analyses = decode_analyses

#: name -> (module, attribute) of what loads on first use.
_LAZY = {
    "update": ("run", "update"),
    "story_from_stored": ("summaries", "story_from_stored"),
    "NUM_PERM": ("lsh", "NUM_PERM"),
    "LshTables": ("lsh", "LshTables"),
    "signature_matrix": ("lsh", "signature_matrix"),
    "encode_analyses": ("analyses", "encode_analyses"),
    "decode_analyses": ("analyses", "decode_analyses"),
    # The names tests and benchmarks used before this was a package.
    "_LshTables": ("lsh", "LshTables"),
    "_signature_matrix": ("lsh", "signature_matrix"),
    "_encode_analyses": ("analyses", "encode_analyses"),
    "_decode_analyses": ("analyses", "decode_analyses"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


__all__ = [
    "CRASH_ENV",
    "CRASH_STAGES",
    "DEFAULT_WINDOW_DAYS",
    "NUM_PERM",
    "UpdateOptions",
    "UpdateResult",
    "scan",
    "story_from_stored",
    "story_order",
    "update",
]
