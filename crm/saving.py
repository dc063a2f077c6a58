"""Saving a row whose uniqueness the database guards, as a form-friendly error."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction


def unique_save(instance: models.Model, *, conflict, field: str | None = None, **save_options) -> models.Model:
    """Save `instance` in a savepoint; a unique (or other) constraint the database refuses it by
    becomes a ValidationError with the message `conflict` (on `field`, where given), and the
    caller's transaction goes on untouched."""
    try:
        with transaction.atomic():
            instance.save(**save_options)
    except IntegrityError as error:
        raise ValidationError({field: conflict} if field else conflict) from error
    return instance
