"""How a kept per-article analysis (``cluster.Analysis``) is stored: one blob per article."""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np

from ..cluster import Analysis


def encode_analyses(analyses: dict[str, Analysis]) -> list[tuple[str, str, bytes]]:
    """(article id, key, data), in id order. data: the length of the compressed JSON of
    [mentions, keys per unit] (4 bytes), that JSON, then the unit keys as int64."""
    out = []
    for aid, an in sorted(analyses.items()):
        head = zlib.compress(json.dumps(
            [an.mentions, [len(keys) for keys in an.unit_keys]], ensure_ascii=False,
            separators=(",", ":")).encode("utf-8"))
        keys = np.fromiter((k for unit in an.unit_keys for k in unit), dtype="<i8")
        out.append((aid, an.key, struct.pack("<I", len(head)) + head + keys.tobytes()))
    return out


def decode_analyses(rows: dict[str, tuple[str, bytes]]) -> dict[str, Analysis]:
    """The analyses of ``rows`` (article id -> (key, data)); a blob of another layout is left
    out, so its article is analysed again and the blob replaced."""
    out = {}
    for aid, (key, data) in rows.items():
        try:
            (size,) = struct.unpack_from("<I", data)
            mentions, sizes = json.loads(zlib.decompress(data[4 : 4 + size]))
            flat = np.frombuffer(data, dtype="<i8", offset=4 + size).tolist()
        except (struct.error, zlib.error, ValueError):
            continue  # another layout (an older version): analysed again, then replaced
        ends = np.cumsum(sizes).tolist()
        units = tuple(tuple(flat[end - n : end]) for n, end in zip(sizes, ends, strict=True))
        out[aid] = Analysis(key, tuple(map(tuple, mentions)), units)
    return out
