"""``ml.modelview``: what the encoder reads, and the way back to the original offsets."""

from __future__ import annotations

from ml.modelview import model_view


def test_a_post_without_repeats_is_read_as_written() -> None:
    text = "jeg er så træt af skolen. ingen forstår mig! hvad gør I?"
    view = model_view(text)
    assert view.text == text
    assert view.span_to_original(4, 10) == (4, 10)


def test_repeated_sentences_are_read_once_whatever_their_case_and_spacing() -> None:
    view = model_view("Hej. Hej.  hej! Hvordan går det?\nhej\n")
    assert view.text == "Hej. Hvordan går det?\n"


def test_runs_of_a_word_or_a_letter_are_cut_to_three() -> None:
    assert model_view("nej nej nej nej nej, jeg vil ikke").text == "nej nej nej, jeg vil ikke"
    assert model_view("hjæææææælp" + "!" * 10).text == "hjææælp!!!"
    assert model_view("a" * 2000).text == "aaa"


def test_view_spans_map_back_to_the_original_text() -> None:
    text = "Jeg har det fint. " * 3 + "jeg vil ikke mere."
    view = model_view(text)
    assert view.text == "Jeg har det fint. jeg vil ikke mere."
    start = view.text.index("jeg vil")
    original = view.span_to_original(start, len(view.text))
    assert text[original[0] : original[1]] == "jeg vil ikke mere."


def test_a_hundred_kilobyte_post_of_one_sentence_is_read_as_one_sentence() -> None:
    sentence = "Det var en helt almindelig dag i skolen. "
    view = model_view(sentence * 2500)
    assert view.text == sentence
