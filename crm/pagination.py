"""Pages of long lists without counting a million rows on every view.

`BoundedPaginator` counts exactly up to `EXACT_LIMIT` rows (a COUNT over at most that many, which
an index walk answers in milliseconds); above it the list says "about 1.2 million", the
planner's estimate of the query's rows (EXPLAIN, no scan). The estimate comes first: when it is
ten times the limit or more the COUNT is skipped, since walking 10,001 index entries costs 3 ms
on a table whose visibility map is current and 10–20 ms on one the tills keep updating (each
sale rewrites its customer's figures, so the index-only scan goes to the heap). Pages stop at the limit too: OFFSET
makes PostgreSQL walk every row before the page, so page 20,000 of a million would cost a scan
for nobody's use; past the last page a filter or another order finds the rest.
"""

import json
import math

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

EXACT_LIMIT = 10_000
SKIP_COUNT_FACTOR = 10


class BoundedPaginator(Paginator):
    exact_limit = EXACT_LIMIT

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        queryset = self.object_list.order_by()
        estimate = self._estimate(queryset)
        if estimate < self.exact_limit * SKIP_COUNT_FACTOR:
            counted = queryset[: self.exact_limit + 1].count()
            if counted <= self.exact_limit:
                return counted, False
            estimate = max(estimate, counted)
        # Two significant digits: "about 1.2 million", "about 15,000", not a precise-looking guess.
        return round(estimate, 2 - len(str(estimate))), True

    @staticmethod
    def _estimate(queryset) -> int:
        sql, params = queryset.query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    def get_page(self, number):
        """The page; the first one read before anything is counted: when it is not full, its rows
        are the whole list and their number is the count (a search finding a few customers costs
        one statement, not the search twice)."""
        if number in (None, "", 1, "1") and "_counted" not in self.__dict__:
            rows = list(self.object_list[: self.per_page])
            if len(rows) < self.per_page:
                self.__dict__["_counted"] = (len(rows), False)
            # A full first page is counted when the page asks, its rows not read again.
            return self._get_page(rows, 1, self)
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        """Exact up to the limit, else the planner's estimate (see `is_estimated`)."""
        return self._counted[0]

    @property
    def is_estimated(self) -> bool:
        return self._counted[1]

    @cached_property
    def num_pages(self) -> int:
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        pages = max(1, math.ceil(max(1, self.count - self.orphans) / self.per_page))
        return min(pages, math.ceil(self.exact_limit / self.per_page))
