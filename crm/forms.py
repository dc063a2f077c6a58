"""Consistent form rendering: every form renders with Bootstrap's classes and error messages."""

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.forms.renderers import Jinja2
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.functional import cached_property
from django.utils.html import conditional_escape


def _widget_css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class BootstrapBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = [attrs.get("class", ""), widget.attrs.get("class", ""), _widget_css_class(widget)]
        if self.form.is_bound and self.errors:
            classes.append("is-invalid")
            attrs["aria-describedby"] = f"{self.auto_id}_errors"
        attrs["class"] = " ".join(dict.fromkeys(name for name in " ".join(classes).split() if name))
        return attrs

    @property
    def is_checkbox(self) -> bool:
        return isinstance(self.field.widget, forms.CheckboxInput)

    @property
    def help_html(self) -> str:
        """The help text escaped unless it is marked safe (as Django's own password help is), the
        way Django's templates treat it; Jinja2 does not see the mark through a lazy translation."""
        return conditional_escape(self.help_text)


class BootstrapFormRenderer(Jinja2):
    """Forms, fields and widgets rendered by Jinja2 from Django's own widget templates and ours in
    `jinja2/forms/`: the same HTML as Django's template engine gives, in half its time (a select
    box's options are an include each, and the customer list's filter form has twenty fields).
    A widget that ships only a Django template (the admin's) is rendered by the project's Django
    template engine, as TemplatesSetting would."""

    form_template_name = "forms/bootstrap_form.html"
    field_template_name = "forms/bootstrap_field.html"
    bound_field_class = BootstrapBoundField

    @cached_property
    def engine(self):
        return self.backend(
            {"APP_DIRS": True, "DIRS": [settings.BASE_DIR / "jinja2"], "NAME": "djangoforms", "OPTIONS": {}}
        )

    def get_template(self, template_name):
        try:
            return self.engine.get_template(template_name)
        except TemplateDoesNotExist:
            return get_template(template_name)
