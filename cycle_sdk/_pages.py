"""Where a paged read ends: the one rule `iter_*()` and `cycle ... --all` share.

A read follows `page[number]` until a page holds fewer items than asked for. A server that
ignores `page[number]` (or any page that brings nothing new) would make that loop endless, so
a read also stops, with an error, on a page whose items were all on the page before it, and
before reading past DEFAULT_MAX_PAGES pages. Every item up to there has been handed out; the
error says the page to read on from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._exceptions import PAGE_REPEATED, TOO_MANY_PAGES
from ._result import APIError

# 1,000 pages of the default 100 items: 100,000 items in one read.
DEFAULT_MAX_PAGES = 1000


def _identity(item: Any) -> object:
    """An item's `id` (Cycle's resources all have one), or None."""
    found = item.get("id") if isinstance(item, Mapping) else getattr(item, "id", None)
    return found if isinstance(found, str | int) else None


class PageGuard:
    """The checks of one paged read: `before(number)` each request, `after(number, items)` each page."""

    def __init__(self, first: int, *, method: str, path: str, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.first = first
        self.max_pages = max_pages
        self.method, self.path = method, path
        self._previous_ids: frozenset[object] | None = None
        self._previous_items: Sequence[Any] | None = None  # only for items without ids

    def _error(self, code: str, title: str, detail: str) -> APIError:
        return APIError(status=0, code=code, title=title, detail=detail, method=self.method, path=self.path)

    def before(self, number: int) -> APIError | None:
        """An error instead of reading page `number`, when it is past the page cap."""
        if number - self.first < self.max_pages:
            return None
        return self._error(
            TOO_MANY_PAGES,
            f"Stopped after {self.max_pages} pages",
            f"a paged read stops at {self.max_pages} pages (DEFAULT_MAX_PAGES); read on from page {number}",
        )

    def after(self, number: int, items: Sequence[Any]) -> APIError | None:
        """An error instead of page `number`'s items, when every one of them was on the page before."""
        if not items:
            return None
        ids = frozenset(_identity(item) for item in items)
        if None in ids:
            repeated = self._previous_items is not None and list(items) == list(self._previous_items)
            self._previous_items, self._previous_ids = items, None
        else:
            repeated = self._previous_ids is not None and ids <= self._previous_ids
            self._previous_ids, self._previous_items = ids, None
        if not repeated:
            return None
        return self._error(
            PAGE_REPEATED,
            "The API sent a page again",
            f"page {number} holds only items of page {number - 1} (does the server ignore page[number]?); "
            "stopped reading there",
        )


__all__ = ["DEFAULT_MAX_PAGES", "PageGuard"]
