"""Forms of the till in the browser (pos.screen)."""

from django import forms
from django.utils.translation import gettext_lazy as _l

from customers.forms.customers import QuickCustomerForm


class TillCustomerForm(QuickCustomerForm):
    """The minimal customer of the till: a name, a phone and, if the customer gives one, an e-mail."""

    email = forms.EmailField(label=_l("E-mail"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autofocus"] = True
