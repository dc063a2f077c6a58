"""Forms of the customer import wizard: the upload and the column mapping."""

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import ImportBatch
from customers.selectors.importing import IGNORE, ImportTarget, import_column_name, import_default_mapping
from customers.services.import_columns import import_column_targets, import_columns


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        # An empty file reaches the import service, which says which file is empty.
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=gettext_lazy(
            "A .csv file (UTF-8, separated by commas or semicolons) or an Excel workbook (.xlsx, its first "
            "sheet) with the column names in the first row; at most 200,000 rows."
        ),
    )


def _target_choices(targets: list[ImportTarget]) -> list:
    registered = {column.code: column for column in import_columns.items()}
    fields = [
        (target.key, target.label)
        for target in targets
        if not target.is_property and not (target.key in registered and registered[target.key].section)
    ]
    properties = [(target.key, target.label) for target in targets if target.is_property]
    choices = [(IGNORE, _("— ignore —")), (_("Customer"), fields)]
    if properties:
        choices.append((_("Custom properties"), properties))
    # The columns later apps registered (customers.services.import_columns), under their app's heading.
    sections: dict[str, list] = {}
    for target in targets:
        if target.key in registered and registered[target.key].section:
            sections.setdefault(str(registered[target.key].section), []).append((target.key, target.label))
    choices += list(sections.items())
    return choices


class ImportMappingForm(forms.Form):
    """A select per column of the file (what to import it into) and what to do with rows of
    customers who exist already. A target chosen for two columns is refused."""

    duplicate_mode = forms.ChoiceField(
        label=gettext_lazy("When a customer exists"),
        choices=ImportBatch.DuplicateMode.choices,
        help_text=gettext_lazy(
            "A customer exists when one has the same customer number, else the same e-mail, else the same phone, "
            "else (a business) the same registry code. Empty cells never erase what is stored."
        ),
    )

    def __init__(
        self,
        data=None,
        *,
        batch: ImportBatch,
        targets: list[ImportTarget],
        mapping: dict[int, str],
        samples: list[list[str]],
    ):
        super().__init__(data, initial={"duplicate_mode": batch.duplicate_mode})
        self.batch = batch
        # The columns later apps registered come after the customers app's own targets; a file
        # that names one gets it chosen, as for the others, until a mapping is saved.
        known = {target.key for target in targets}
        registered = [target for target in import_column_targets() if target.key not in known]
        targets = [*targets, *registered]
        if registered and not batch.mapping:
            free = [header if index not in mapping else "" for index, header in enumerate(batch.headers)]
            mapping = {**import_default_mapping(headers=free, targets=registered), **mapping}
        self.registered_columns = import_columns.items()
        self.targets = {target.key: target for target in targets}
        choices = _target_choices(targets)
        columns = {}
        for index in range(len(batch.headers)):
            values = [Truncator(value).chars(40) for value in (samples[index] if index < len(samples) else [])]
            shown = ", ".join(f"“{escape(value)}”" for value in values if value.strip())
            columns[self.column_field(index)] = forms.ChoiceField(
                label=import_column_name(batch, index),
                choices=choices,
                required=False,
                initial=mapping.get(index, IGNORE),
                # HTML, marked safe so that the form template does not escape it twice: the
                # file's values are escaped above, the sentence here.
                help_text=mark_safe(escape(_("In the file: %(values)s")) % {"values": shown})
                if shown
                else _("Empty in the first rows."),
            )
        self.fields = {**columns, "duplicate_mode": self.fields["duplicate_mode"]}

    @staticmethod
    def column_field(index: int) -> str:
        return f"column_{index}"

    def clean(self):
        cleaned = super().clean()
        chosen: dict[str, list[int]] = {}
        for index in range(len(self.batch.headers)):
            target = cleaned.get(self.column_field(index))
            if target:
                chosen.setdefault(target, []).append(index)
        for target, indexes in chosen.items():
            if len(indexes) > 1:
                message = _("“%(target)s” is chosen for more than one column: %(columns)s.") % {
                    "target": self.targets[target].label,
                    "columns": ", ".join(f"“{import_column_name(self.batch, index)}”" for index in indexes),
                }
                for index in indexes:
                    self.add_error(self.column_field(index), message)
        if not chosen:
            raise forms.ValidationError(_("Choose a field for at least one column."))
        return cleaned

    def mapping(self) -> dict[int, str]:
        """Column index -> target of the valid form ("" for an ignored column)."""
        return {
            index: self.cleaned_data.get(self.column_field(index)) or IGNORE for index in range(len(self.batch.headers))
        }
