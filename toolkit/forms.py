"""Forms for the toolkit pages. Limits repeat the services' so errors show next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.web import content_language
from toolkit.models import (
    CHECKIN_NOTE_MAX,
    CHECKIN_WORD_MAX,
    SAFETY_ITEM_MAX,
    SAFETY_ITEMS_MAX,
    STRATEGY_STEP_MAX,
    STRATEGY_STEPS_MAX,
    STRATEGY_TITLE_MAX,
)
from toolkit.who5 import ANSWERS, ITEMS


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class MoodInput(forms.NumberInput):
    """0-10 as a number field that works without JavaScript; toolkit.js turns it into a slider
    (`<input type=range>`) with the chosen number shown next to it."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {"min": 0, "max": 10, "step": 1, "inputmode": "numeric", "data-mood-slider": ""}
        super().__init__({**base, **(attrs or {})})


def mood_field(label: str | Any, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        required=required,
        widget=MoodInput(),
        help_text=_("0 er det værste, 10 er det bedste."),
    )


class StrategyForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=STRATEGY_TITLE_MAX)
    steps = forms.CharField(
        label=_("Trin"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Skriv ét trin pr. linje, højst %(n)s trin.") % {"n": STRATEGY_STEPS_MAX},
    )

    def clean_steps(self) -> list[str]:
        steps = _lines(self.cleaned_data["steps"])
        if not steps:
            raise forms.ValidationError(_("Skriv mindst ét trin."))
        if len(steps) > STRATEGY_STEPS_MAX:
            raise forms.ValidationError(_("Højst %(n)s trin.") % {"n": STRATEGY_STEPS_MAX})
        if any(len(step) > STRATEGY_STEP_MAX for step in steps):
            raise forms.ValidationError(
                _("Hvert trin må højst være %(n)s tegn.") % {"n": STRATEGY_STEP_MAX}
            )
        return steps


class MoodBeforeForm(forms.Form):
    mood_before = mood_field(_("Hvordan har du det lige nu?"))


class MoodAfterForm(forms.Form):
    mood_after = mood_field(_("Hvordan har du det nu?"))


class CheckInForm(forms.Form):
    mood = mood_field(_("Hvordan har du det i dag?"))
    word = forms.CharField(
        label=_("Et ord for dagen (frivilligt)"), max_length=CHECKIN_WORD_MAX, required=False
    )
    note = forms.CharField(
        label=_("En note til dig selv (frivilligt)"),
        max_length=CHECKIN_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SafetyPlanSectionForm(forms.Form):
    items = forms.CharField(
        label=_("Punkter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ét punkt pr. linje, højst %(n)s.") % {"n": SAFETY_ITEMS_MAX},
    )

    def clean_items(self) -> list[str]:
        items = _lines(self.cleaned_data["items"])
        if len(items) > SAFETY_ITEMS_MAX:
            raise forms.ValidationError(_("Højst %(n)s punkter.") % {"n": SAFETY_ITEMS_MAX})
        if any(len(item) > SAFETY_ITEM_MAX for item in items):
            raise forms.ValidationError(
                _("Hvert punkt må højst være %(n)s tegn.") % {"n": SAFETY_ITEM_MAX}
            )
        return items


class Who5Form(forms.Form):
    """The five WHO-5 items as radio groups, worded in the current language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = content_language()
        choices = [(str(value), labels[code]) for value, labels in ANSWERS]
        for index, item in enumerate(ITEMS):
            self.fields[f"item_{index + 1}"] = forms.TypedChoiceField(
                label=item[code], choices=choices, coerce=int, widget=forms.RadioSelect
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{index + 1}"] for index in range(len(ITEMS))]
