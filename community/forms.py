"""Plain HTML forms: every write works without JavaScript."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from community.limits import COMMENT_MAX_CHARS, POST_MAX_CHARS
from community.models import ContentWarningTopic, Reaction, Report


def _textarea(max_chars: int, rows: int = 5) -> forms.Textarea:
    # No maxlength attribute: a browser would cut pasted text silently; the server explains.
    return forms.Textarea(attrs={"rows": rows, "data-max-chars": max_chars})


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Hvad fylder hos dig?"),
        widget=_textarea(POST_MAX_CHARS, rows=6),
        strip=False,
        help_text=_("Andre unge ser dit kaldenavn, aldrig dit navn. Højst 5.000 tegn."),
    )
    content_warning_topic = forms.ChoiceField(
        label=_("Indholdsadvarsel (valgfri)"),
        choices=[("", _("Ingen")), *ContentWarningTopic.choices],
        required=False,
        help_text=_("Vælg et emne, hvis dit opslag kan være svært at læse for nogle."),
    )


class TalkItOutForm(PostForm):
    body = forms.CharField(
        label=_("Hvilket problem vil du gerne have hjælp til at snakke ud om?"),
        widget=_textarea(POST_MAX_CHARS, rows=6),
        strip=False,
        help_text=_("En peermedarbejder sætter rammen, og så kan andre unge komme med forslag."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Dit svar"),
        widget=_textarea(COMMENT_MAX_CHARS, rows=3),
        strip=False,
        help_text=_("Højst 2.000 tegn."),
    )


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields: ClassVar = ("category", "note")
        widgets: ClassVar = {
            "category": forms.RadioSelect,
            "note": forms.Textarea(attrs={"rows": 3}),
        }


class ThemeFilterForm(forms.Form):
    hidden_topics = forms.MultipleChoiceField(
        label=_("Skjul opslag med disse emner"),
        choices=ContentWarningTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class FramingForm(forms.Form):
    framing = forms.CharField(
        label=_("Rammesætning"),
        widget=_textarea(COMMENT_MAX_CHARS, rows=4),
        help_text=_("Beskriv problemet kort og venligt, så andre kan komme med forslag."),
    )


class CloseTalkForm(forms.Form):
    summary = forms.CharField(
        label=_("Opsummering"),
        widget=_textarea(POST_MAX_CHARS, rows=5),
        help_text=_("Hvad kom der frem? Opsummeringen kan findes i søgningen bagefter."),
    )


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("Hvorfor fjernes det?"), max_length=300)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Søg i lukkede snakke"), required=False, max_length=200)
