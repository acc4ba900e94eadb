"""Forms for the journey player. Limits are checked in services, so the API and forms agree."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from journeys.models import Step, text_in
from journeys.services import REFLECTION_MAX_CHARS

REFLECTION_HELP = _(
    "Din refleksion er privat: kun du kan læse den, og din behandler kun, hvis du har sagt ja "
    "til det. Den bliver tjekket af Sammens risikoscreening ligesom opslag. Lyder den meget "
    "bekymrende, viser vi dig krisetelefonerne, og en behandler kontakter dig. Højst %(limit)s "
    "tegn."
) % {"limit": REFLECTION_MAX_CHARS}


class ReflectionForm(forms.Form):
    # No max_length here: a browser-side maxlength would cut pasted text silently. The service
    # refuses an over-long text with a message and the form shows the whole text again.
    body = forms.CharField(
        label=_("Dit svar"),
        help_text=REFLECTION_HELP,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "aria-describedby": "id_body_help"}),
    )


class QuizForm(forms.Form):
    """One radio group per question; option values are indexes into the step's options."""

    def __init__(self, *args: Any, step: Step, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, question in enumerate(step.data.get("questions", [])):
            self.fields[f"q{index}"] = forms.TypedChoiceField(
                label=text_in(question["question"], language),
                choices=[
                    (str(oi), text_in(option["text"], language))
                    for oi, option in enumerate(question["options"])
                ],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Vælg et svar.")},
            )

    def answers(self) -> list[int | None]:
        return [self.cleaned_data.get(name) for name in self.fields]
