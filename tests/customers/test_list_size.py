"""The customer list on a large directory: counted exactly up to 10,000, above that "about …"
from the planner's estimate (no COUNT over every customer), and pages bounded by the same limit."""

import re

import pytest
from django_tenants.utils import tenant_context

from crm.pagination import EXACT_LIMIT, BoundedPaginator
from customers.models import Customer
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


class SmallLimit(BoundedPaginator):
    exact_limit = 5


def test_the_count_is_exact_up_to_the_limit_and_an_estimate_above(alpha):
    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create([Customer(first_name="Few", last_name=str(n)) for n in range(5)])
        few = SmallLimit(Customer.objects.filter(first_name="Few").order_by("pk"), 2)
        assert (few.count, few.is_estimated, few.num_pages) == (5, False, 3)
        Customer.objects.bulk_create([Customer(first_name="Many", last_name=str(n)) for n in range(40)])
        many = SmallLimit(Customer.objects.filter(first_name__in=["Few", "Many"]).order_by("pk"), 2)
        assert many.is_estimated
        # Never fewer than counted; two significant digits; pages stop at the limit (5 rows, 2 a page).
        assert many.count >= 6
        assert len(str(many.count).rstrip("0")) <= 2
        assert many.num_pages == 3
        assert [(c.first_name, c.last_name) for c in many.page(3).object_list] == [("Few", "4"), ("Many", "0")]


def test_a_directory_above_ten_thousand_says_about_how_many(alpha):
    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create(
            [Customer(first_name="Big", last_name=f"{n:05}") for n in range(EXACT_LIMIT + 1)], batch_size=5000
        )
    response = client_for(alpha, alpha.marketer).get("/customers/", {"status": "all"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.is_estimated
    shown = re.search(r'data-testid="result-count">about ([\d,]+) customers<', response.content.decode())
    assert shown is not None, response.content.decode()[:3000]
    assert int(shown.group(1).replace(",", "")) == page.paginator.count >= 10_000
    assert page.paginator.num_pages == EXACT_LIMIT // 50
    assert "Page 1 of 200" in response.content.decode()
    # A page past the last one the list offers shows the last one.
    last = client_for(alpha, alpha.marketer).get("/customers/", {"status": "all", "page": "9999"})
    assert last.context["page"].number == 200


def test_an_estimate_ten_times_the_limit_skips_the_count(alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create([Customer(first_name="Lots", last_name=str(n)) for n in range(200)])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
        lots = SmallLimit(Customer.objects.filter(first_name="Lots").order_by("pk"), 2)
        with CaptureQueriesContext(connection) as captured:
            assert (lots.count, lots.is_estimated) == (200, True)
        assert [q["sql"].split()[0] for q in captured.captured_queries] == ["EXPLAIN"]
        # Below ten times the limit the COUNT still decides: four rows are four, not "about".
        few = SmallLimit(Customer.objects.filter(first_name="Lots", last_name__in=list("1234")).order_by("pk"), 2)
        with CaptureQueriesContext(connection) as captured:
            assert (few.count, few.is_estimated) == (4, False)
        assert [q["sql"].split()[0] for q in captured.captured_queries] == ["EXPLAIN", "SELECT"]


def test_a_first_page_that_is_not_full_is_the_count(alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create([Customer(first_name="Three", last_name=str(n)) for n in range(3)])
        paginator = BoundedPaginator(Customer.objects.filter(first_name="Three").order_by("pk"), 50)
        with CaptureQueriesContext(connection) as captured:
            page = paginator.get_page("1")
            assert (paginator.count, paginator.is_estimated, paginator.num_pages) == (3, False, 1)
        assert [c.last_name for c in page.object_list] == ["0", "1", "2"]
        assert len(captured.captured_queries) == 1 and "COUNT" not in captured.captured_queries[0]["sql"]
        # A full first page still counts (3 rows, 2 a page), its rows read once.
        two = BoundedPaginator(Customer.objects.filter(first_name="Three").order_by("pk"), 2)
        with CaptureQueriesContext(connection) as captured:
            first = two.get_page(None)
            assert [c.last_name for c in first.object_list] == ["0", "1"]
            assert (two.count, two.num_pages, first.has_next()) == (3, 2, True)
        assert [q["sql"].split()[0] for q in captured.captured_queries] == ["SELECT", "EXPLAIN", "SELECT"]
        assert "COUNT" in captured.captured_queries[2]["sql"]
