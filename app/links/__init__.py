"""Website link check (SPEC H5) and the *Erreur liens site internet* counter (H1).

- checker.py  one URL: HEAD then GET, redirects followed by hand, private addresses refused
- sources.py  which links are checked (structures' *Site internet*, formations' pages) and the
              `broken_links(model)` clause
- run.py      the whole check: URLs streamed in batches, a bounded thread pool, results upserted
              (`flask links check`, the nightly job `check_links`)
- report.py   what a user sees: `broken_links_count()` (one query) and the page's rows
The page is app/views/links.py (`/liens/erreurs`).
"""
from .report import broken_links_count, broken_records
from .sources import broken_links

__all__ = ["broken_links", "broken_links_count", "broken_records"]
