"""Consistent form rendering: every form renders with Bootstrap's classes and error messages."""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


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


class BootstrapFormRenderer(TemplatesSetting):
    form_template_name = "forms/bootstrap_form.html"
    field_template_name = "forms/bootstrap_field.html"
    bound_field_class = BootstrapBoundField
