"""Sanitising: what a post body can and cannot turn into on screen."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from community.rendering import LINK_REL, normalise_for_duplicates, render_body


@pytest.mark.parametrize(
    ("_case", "body", "forbidden"),
    [
        ("script tag", "<script>alert(1)</script>", "<script"),
        ("img onerror", '<img src=x onerror="alert(1)">', "<img"),
        ("event handler attr", '<a href="https://x.dk" onclick="alert(1)">x</a>', "onclick="),
        ("javascript link", "javascript:alert(1)", 'href="javascript'),
        ("javascript html link", '<a href="javascript:alert(1)">klik</a>', 'href="javascript'),
        ("data url", "data:text/html,<script>alert(1)</script>", "<script"),
        ("svg", "<svg onload=alert(1)>", "<svg"),
        ("style", "<style>body{display:none}</style>", "<style"),
        ("iframe", '<iframe src="https://evil.example"></iframe>', "<iframe"),
        ("quote breaking url", 'https://x.dk/"onmouseover="alert(1)', "onmouseover"),
    ],
)
def test_dangerous_markup_is_shown_as_text(_case, body, forbidden):
    html = render_body(body)
    elements = _elements(html)
    assert {tag for tag, _attrs in elements} <= {"p", "br", "a"}
    for tag, attrs in elements:
        if tag == "a":
            assert set(attrs) == {"href", "rel"}
            href = attrs["href"]
            assert href is not None
            assert href.startswith(("http://", "https://"))
            assert attrs["rel"] == LINK_REL
        else:
            assert attrs == {}
    assert forbidden not in html or forbidden.startswith(("on", "href"))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def test_links_get_safe_rel_and_only_http():
    html = render_body("Se https://livslinien.dk/ og ftp://x.dk og http://a.dk/?a=1&b=2.")
    assert '<a href="https://livslinien.dk/" rel="nofollow noopener ugc">' in html
    assert 'href="http://a.dk/?a=1&amp;b=2"' in html
    assert 'href="ftp' not in html
    assert html.count(f'rel="{LINK_REL}"') == 2
    assert "b=2</a>." in html  # the full stop ends the sentence, not the link


def test_line_breaks_and_paragraphs():
    assert render_body("en\nto\n\ntre") == "<p>en<br>to</p><p>tre</p>"


def test_only_p_br_a_survive():
    html = render_body("<b>fed</b> <i>kursiv</i> <p>afsnit</p>")
    assert "<b>" not in html
    assert "&lt;b&gt;fed&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "char",
    ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_bidi_controls_are_stripped(char):
    html = render_body(f"https://example.dk/{char}gpj.exe hej{char}")
    assert char not in html


def test_zero_width_characters_are_stripped():
    html = render_body("s\u200bv\u200ca\u200dr\ufeff")
    assert html == "<p>svar</p>"


def test_rtl_override_cannot_disguise_link_text():
    # "https://bank.dk/\u202efdp.exe" would display as ".../exe.pdf" with the override.
    html = render_body("https://bank.dk/\u202efdp.exe")
    assert "\u202e" not in html
    assert "fdp.exe" in html


def test_duplicate_normalisation_ignores_case_space_and_invisibles():
    assert normalise_for_duplicates("Hej  MED\u200b dig\n") == normalise_for_duplicates(
        "hej med dig"
    )


def test_quote_in_url_ends_the_link():
    html = render_body('https://x.dk/"onmouseover="alert(1)')
    assert '<a href="https://x.dk/" rel="nofollow noopener ugc">' in html
