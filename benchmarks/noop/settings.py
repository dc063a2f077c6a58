"""The benchmark's settings with the no-op migration's app among the retailers' apps."""

from crm.settings.bench import *  # noqa: F403
from crm.settings.bench import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "benchmarks.noop"]
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.noop"]
