"""tracesite: a static site generator for public agent leaderboards where
every score links to the trace steps that earned it.

Pipeline (one module per stage): ``discover`` → ``importers`` → ``validate``
→ ``aggregate`` → ``render`` → ``write``; ``build`` runs them in order and the
CLI (``cli``) is a thin layer over it.
"""

__version__ = "0.1.0"
