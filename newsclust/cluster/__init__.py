"""Stories: group articles that report the same real-world event.

The algorithm (all sparse; never an n x n matrix):

1. **Corpus hygiene.** A line (or a title segment such as "| KCBD NewsChannel 11") that occurs in
   ``boilerplate_min_docs`` or more documents spread over more than ``boilerplate_days`` days is
   page chrome (paywall, newsletter, copyright, site name), not news, and is ignored. Long lines
   are also compared by their lower-case words alone, which catches templates that differ only
   in a name ("Whenever Jane Doe posts new content ..."). The time spread keeps syndicated copy
   of one event, which is re-run within days, as content.
2. **Two views of each article.** *Text*: TF-IDF of title + body (sublinear tf, English stop
   words, terms in more than half of a corpus of 20+ documents dropped). *Entities*: the
   capitalised names, places and numbers of :mod:`newsclust.entities` (whole names and their
   words, ages, block numbers), sublinear tf x idf; a name word that the corpus mostly uses in
   lower case ("Teen", "Fatal") is a common word and is dropped. Rare shared names and places
   are what separate one shooting from another, so entities get the larger weight.
3. **Candidates.** For each article its ``n_neighbors`` most similar articles under the combined
   view, from a chunked sparse product restricted to terms in at most ``candidate_max_df`` of
   the documents (common words never make two articles candidates, and skipping them keeps the
   product cheap at 100k documents).
4. **Pair similarity.** ``(w_text * cos_text + w_entity * cos_entity) * time_factor``, with
   ``time_factor = floor + (1 - floor) * closeness``. ``closeness`` is the best
   ``w_x * w_y * exp(-max(0, |x - y| - grace) / tau)`` over the dates x, y of the two articles:
   the publication date (w = 1) and dates written in the text, so a trial report that says "the
   shooting on Feb. 6" is near Feb. 6. A text date counts fully in the first half of the text
   and ``text_date_weight`` in the second half, where news puts background ("the second big
   fire this week, after the Keileweg blaze on 3 March"). News of an event bunches in its first
   days; a report weeks later (arrest, trial) is the same story only with stronger shared
   content. Undated pairs get factor 1 (no evidence either way). A pair with a side that has
   only its title (a headline) gets no floor: see below.
5. **Clustering.** Average linkage over the sparse candidate graph (pairs that are not
   candidates count as similarity 0), merging while the best average link is at least
   ``threshold``. Average linkage does not chain A-B-C the way single linkage does.
   Ties break on article order, and articles are processed in (date, id) order, so the same
   set of articles gives the same stories whatever the input order.

Articles whose text is empty or only chrome keep their title: they join a story when the title
alone is similar enough. A headline is weak evidence: its few words make cosines that reach 1 on
one shared place name ("Fresno" and "shooting" in two headlines of different shootings), and it
cannot show the extra shared content that lets a report weeks later join. So a pair with a
headline-only side gets no time floor: it links only when close in time (time factor =
closeness). On gva-dev (176 headline items after cleaning) this took the pairs a headline
makes with the rest of its story from 68 right and 39 wrong to 65 right and 2 wrong.

The modules, one step each:

- :mod:`.repeated_lines`: step 1, the lines and title segments repeated over time.
- :mod:`.analysis`: the per-article work (entity mentions, text dates), and the
  :class:`Analysis` that ``newsclust update`` keeps between fits.
- :mod:`.views`: step 2, the text and entity TF-IDF views.
- :mod:`.days`: dates as day numbers, and the time closeness of step 4.
- :mod:`.pair_graph`: steps 3 to 5 on the sparse graph of candidate pairs.
- :mod:`.estimator`: :class:`StoryClusterer`, which runs the steps, and its explanations.

Names with a leading underscore are shared between these modules (and their tests); they are
not the package's interface.
"""

from .analysis import Analysis
from .estimator import Component, Explanation, StoryClusterer

__all__ = ["Analysis", "Component", "Explanation", "StoryClusterer"]
