"""The parts of a story's merged summary; :mod:`newsclust.summarize` puts them together.

- :mod:`.story`: the articles in story order, split into sentences, with the names in each.
- :mod:`.name_groups`: spellings of one name grouped across sources (the ``entities`` entry).
- :mod:`.alignment`: sentence similarity (TF-IDF) and which sentences are counterparts.
- :mod:`.selection`: the summary sentences and their reading order; the lead of one source.
- :mod:`.headline`: the story's title.
- :mod:`.figures`: numbers in a sentence, with what they count.
- :mod:`.conflicts`: measures, figures, dates and places on which sources disagree.
- :mod:`.only_in`: facts only one source carries.
- :mod:`.rewording`: quotes and sentences that two sources word differently.
"""
