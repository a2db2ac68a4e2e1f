"""Adoption outcomes (采纳情况): what became of each point once the law was passed.

- :mod:`liaison.adoption.outcomes`: the vocabulary, its Chinese labels, point keys and totals (pure).
- :mod:`liaison.adoption.tables`: ``PointOutcome`` and its per-opinion fan-out ``OpinionOutcome``.
- :mod:`liaison.adoption.service`: recording (one point, or a batch from the upper station), reading.
- :mod:`liaison.adoption.web` / :mod:`liaison.adoption.api`: officers' page, public page, public JSON.

See docs/adoption.md.
"""
