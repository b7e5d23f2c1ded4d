"""Near-duplicate detection: which articles are copies of one another.

Outlets re-run wire copy with a new headline, a dateline, credit and copyright lines, a cut last
paragraph, merged paragraphs, a few typos. This package finds those copies and joins nothing
else.

How
---
1. **Tokenise once** (``newsclust.shingle``, ``fingerprinting``): the body (``article.text``;
   never the title, which re-runs change) is folded (NFKC, case, typographic quotes and dashes,
   punctuation and whitespace), split into words and cut into ``shingle_size``-word shingles,
   vectorised over batches of documents; ``jobs`` threads share the batches.
2. **Exact copies**: documents with the same word sequence (a 128-bit hash of it) are joined with
   similarity 1.0, and only one representative of each such set goes on to the LSH index.
3. **Near copies**: MinHash signatures (datasketch ``affine32``, ``num_perm`` permutations) are
   cut into bands (``banding``: enough bands to find a pair at the threshold with probability
   >= 0.99, 42 bands of 3 rows by default); documents that agree on a whole band are candidates
   (``index``).
4. **Verification** (``verification``): every candidate is checked with the real shingle sets,
   Jaccard >= ``threshold``, or containment >= ``containment`` for a substantial smaller text (a
   cut copy). The defaults (4-word shingles, 0.5, 0.6, and the floors in ``verification``) were
   chosen on syndication-style copies of gva-dev texts (benchmarks/bench_dedup.py).
   A verified pair that puts other names or figures in the same places at two or more spots
   (``slots``: a template story, "Acme said it filed a 24 mln dlr issue" and "Bolt said it
   filed a 96 mln dlr issue") is not a copy (``template_check``). Texts are screened for that
   in batches with numpy (``slot_screen``: token hashes, slots as hashes), which clears nearly
   every pair; only the rest are read word by word.
5. **Groups** (``finder``) are connected components of the verified pairs (transitive). Each has
   one canonical article: the most words, then the earliest date (None last), then the smallest
   id. The group's ``similarity`` is the smallest verified similarity among its joined pairs,
   where a pair's similarity is the larger of its Jaccard and (for texts big enough) its
   containment.

The result does not depend on input order or on ``jobs``: work is done in id order, and each
document's fingerprint depends on its own text only.

After fitting, the finder keeps the signatures (``fingerprints_``, 4 bytes per permutation), the
band index and a few numbers per article, not the shingle sets: verification of later articles
(``partial_fit``) re-shingles the few old articles that are candidates, from their text.
"""

from .banding import TARGET_RECALL, choose_bands, lsh_recall
from .finder import (
    DEFAULT_CONTAINMENT,
    DEFAULT_SHINGLE_SIZE,
    DEFAULT_THRESHOLD,
    DedupResult,
    NearDuplicateFinder,
    find_duplicates,
)
from .fingerprinting import fingerprint
from .index import BandIndex, DatasketchIndex, band_keys, unique_pairs
from .verification import verify

__all__ = [
    "DEFAULT_CONTAINMENT",
    "DEFAULT_SHINGLE_SIZE",
    "DEFAULT_THRESHOLD",
    "TARGET_RECALL",
    "BandIndex",
    "DatasketchIndex",
    "DedupResult",
    "NearDuplicateFinder",
    "band_keys",
    "choose_bands",
    "find_duplicates",
    "fingerprint",
    "lsh_recall",
    "unique_pairs",
    "verify",
]
