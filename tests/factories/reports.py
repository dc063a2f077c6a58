"""Report runs as the machinery leaves them (for tests of the list, the purge and the reaper)."""

import factory
from factory.django import DjangoModelFactory

from reports.models import ReportRun
from tests.factories.staff import StaffUserFactory


class ReportRunFactory(DjangoModelFactory):
    """A queued run of the customer-base report, requested by a new marketer."""

    class Meta:
        model = ReportRun

    code = "customer-base"
    status = ReportRun.Status.QUEUED
    requested_by = factory.SubFactory(StaffUserFactory, role="marketer")
