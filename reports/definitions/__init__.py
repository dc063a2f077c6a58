"""The reports, one module each (or a few close ones together); importing registers them."""

from reports.definitions import loyalty_points  # noqa: F401
