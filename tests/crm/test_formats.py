"""One date format and one date-time format per language, whichever name a page asks for."""

import datetime

import pytest
from django.utils import formats, translation

MOMENT = datetime.datetime(2026, 11, 19, 14, 24)


@pytest.mark.parametrize(
    ("language", "date", "date_time"),
    [
        ("en", "19/11/2026", "19/11/2026 14:24"),
        ("de", "19.11.2026", "19.11.2026 14:24"),
        ("et", "19.11.2026", "19.11.2026 14:24"),
    ],
)
def test_every_date_name_gives_the_languages_one_format(language, date, date_time):
    with translation.override(language):
        assert formats.date_format(MOMENT.date()) == date
        assert formats.date_format(MOMENT.date(), "SHORT_DATE_FORMAT") == date
        assert formats.localize(MOMENT.date()) == date
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == date_time
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == date_time
        assert formats.localize(MOMENT) == date_time


def test_estonian_numbers_use_a_comma_and_a_24_hour_clock():
    with translation.override("et"):
        assert formats.number_format(1234.5, decimal_pos=2, use_l10n=True, force_grouping=True) == "1\xa0234,50"
        assert formats.time_format(MOMENT.time()) == "14:24"
