"""Cache keys, files, log lines and Celery tasks belong to the retailer they were made for."""

import datetime
import logging
import time
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tenants.log import TenantContextFilter
from django_tenants.utils import tenant_context

from staff.tasks import sessions_clear
from tenants.tasks import tenants_fan_out


@pytest.mark.django_db
def test_a_cache_entry_written_for_one_retailer_is_not_read_by_another(alpha, beta):
    with tenant_context(alpha.tenant):
        cache.set("dashboard-figures", {"customers": 12}, 60)
    with tenant_context(beta.tenant):
        assert cache.get("dashboard-figures") is None
        cache.set("dashboard-figures", {"customers": 99}, 60)
    with tenant_context(alpha.tenant):
        assert cache.get("dashboard-figures") == {"customers": 12}


@pytest.mark.django_db
def test_files_are_stored_in_a_folder_of_the_retailer(alpha, beta, settings):
    name = f"exports/isolation-{uuid.uuid4().hex}.xlsx"
    with tenant_context(alpha.tenant):
        default_storage.save(name, ContentFile(b"alpha"))
        alpha_path = default_storage.path(name)
    try:
        with tenant_context(beta.tenant):
            assert not default_storage.exists(name)
        assert alpha_path == str(settings.MEDIA_ROOT / "alpha" / name)
    finally:
        with tenant_context(alpha.tenant):
            default_storage.delete(name)


@pytest.mark.django_db
def test_log_lines_carry_the_schema(alpha):
    record = logging.LogRecord("regulars", logging.INFO, __file__, 1, "hello", None, None)
    with tenant_context(alpha.tenant):
        TenantContextFilter().filter(record)
    assert record.schema_name == "alpha"
    formatter = logging.Formatter("[%(schema_name)s] %(message)s")
    assert formatter.format(record) == "[alpha] hello"


def _expired_session(key: str) -> None:
    Session.objects.create(session_key=key, session_data="", expire_date=timezone.now() - datetime.timedelta(days=1))


def test_a_task_sent_from_a_retailer_runs_in_that_retailers_schema(committed_db, celery_worker, alpha, beta):
    with tenant_context(alpha.tenant):
        _expired_session("alpha-expired-1")
        _expired_session("alpha-expired-2")
    with tenant_context(beta.tenant):
        _expired_session("beta-expired-1")
    with tenant_context(alpha.tenant):
        result = sessions_clear.delay()
    assert result.get(timeout=60) == 2
    with tenant_context(alpha.tenant):
        assert not Session.objects.filter(session_key__startswith="alpha-expired").exists()
    with tenant_context(beta.tenant):
        assert Session.objects.filter(session_key="beta-expired-1").exists()


def test_a_periodic_job_fans_out_to_every_active_retailer(committed_db, celery_worker, tenants):
    for name in ("alpha", "beta"):
        with tenant_context(tenants[name].tenant):
            _expired_session(f"{name}-fan-out")
    sent = tenants_fan_out.delay("staff.tasks.sessions_clear").get(timeout=60)
    assert sent >= 3
    for name in ("alpha", "beta"):
        with tenant_context(tenants[name].tenant):
            deadline = timezone.now() + datetime.timedelta(seconds=60)
            while Session.objects.filter(session_key=f"{name}-fan-out").exists() and timezone.now() < deadline:
                time.sleep(0.2)
            assert not Session.objects.filter(session_key=f"{name}-fan-out").exists()
