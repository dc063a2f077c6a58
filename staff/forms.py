from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from staff.roles import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or the password is wrong. After %(limit)s failed attempts in a row the "
            "login is locked for %(minutes)s minutes."
        ),
        "inactive": _("This account is deactivated. Ask your admin to reactivate it."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name")
        self.fields["password"].label = _("Password")

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


LANGUAGE_CHOICES = [("", _("The retailer's default"))] + list(settings.LANGUAGES)


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    can_adjust_points = forms.BooleanField(
        label=_("May adjust loyalty points"),
        required=False,
        help_text=_("Admins always may; grant it to a marketer or a cashier who needs it."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)


class StaffCreateForm(StaffForm):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
        help_text=_("What the person types to log in."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to e-mail an invitation with a link to choose a password."),
    )

    field_order = ["username", "email", "first_name", "last_name", "role", "can_adjust_points", "language", "password"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("password") and not cleaned.get("email"):
            self.add_error("email", _("Enter an e-mail address for the invitation, or set an initial password."))
        if cleaned.get("password"):
            try:
                validate_password(cleaned["password"])
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
