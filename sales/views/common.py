"""What the settings views share."""

from django.core.exceptions import ValidationError


def form_errors_apply(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: a message for a field under that field, the rest
    above the form."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)
