"""Context signals: the examples in context.toml, scoping, the post context, and the loader."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.errors import InputError, PatternError
from scanner.findings import Finding
from scanner.intents import Intent
from scanner.signals import SECTION_SIGNAL, ContextLexicon, PostContext, Signal, detect_signals

REPO = Path(__file__).resolve().parents[1]
LEXICON = ContextLexicon.load(REPO / "patterns")
_MARK = re.compile(r"\{([A-Z_]+)\}|<<(?:([A-Z_]+):)?(.*?)>>")


def build(template: str) -> tuple[str, list[Finding], list[Intent]]:
    """Text from a template: {TYPE} becomes a finding, <<...>> an intent (THREAT_TO_EXPOSE by default)."""
    text, findings, intents, pos = "", [], [], 0
    for m in _MARK.finditer(template):
        text += template[pos:m.start()]
        if m.group(1):
            value = "X" + m.group(1).lower().replace("_", "")
            findings.append(Finding(m.group(1), len(text), len(text) + len(value), 0.9, "test"))
        else:
            value = m.group(3)
            intents.append(Intent(m.group(2) or "THREAT_TO_EXPOSE", len(text), len(text) + len(value), 0.9, "test"))
        text += value
        pos = m.end()
    return text + template[pos:], findings, intents


def signals_about(template: str, signal_type: str, context: PostContext | None = None) -> list[Signal]:
    text, findings, intents = build(template)
    ids = {f.id for f in findings} | {i.id for i in intents}
    return [s for s in detect_signals(text, findings, intents, context, LEXICON)
            if s.type == signal_type and s.about in ids]


MATCH = [(sec, t) for sec, ex in LEXICON.examples.items() for t in ex.match]
NO_MATCH = [(sec, t) for sec, ex in LEXICON.examples.items() for t in ex.no_match]


@pytest.mark.parametrize(("section", "template"), MATCH, ids=[f"{s}:{i}" for i, (s, _) in enumerate(MATCH)])
def test_section_examples_fire(section: str, template: str) -> None:
    assert signals_about(template, SECTION_SIGNAL[section])


@pytest.mark.parametrize(("section", "template"), NO_MATCH, ids=[f"{s}:{i}" for i, (s, _) in enumerate(NO_MATCH)])
def test_section_hard_negatives_do_not_fire(section: str, template: str) -> None:
    assert not signals_about(template, SECTION_SIGNAL[section])


def test_every_section_has_examples() -> None:
    assert set(LEXICON.examples) == set(SECTION_SIGNAL)


def test_nearest_owner_wins() -> None:
    text, findings, intents = build("my number is {PHONE_NUMBER} and her number is {PHONE_NUMBER}")
    signals = detect_signals(text, findings, intents, None, LEXICON)
    by_item = {s.about: s.type for s in signals if s.type in {"SELF_DISCLOSURE", "TARGET"}}
    assert by_item == {findings[0].id: "SELF_DISCLOSURE", findings[1].id: "TARGET"}


def test_mention_in_same_sentence_is_a_target_but_not_in_another() -> None:
    assert signals_about("@jane_doe {PHONE_NUMBER}", "TARGET")
    assert not signals_about("Thanks @jane_doe. Unrelated: {PHONE_NUMBER}", "TARGET")


def test_author_name_makes_it_self_disclosure() -> None:
    ctx = PostContext(author="@Jordan")
    assert signals_about("Jordan: {EMAIL_ADDRESS}", "SELF_DISCLOSURE", PostContext(author="Jordan")) == []
    text, findings, intents = build("@jordan {EMAIL_ADDRESS}")
    signals = detect_signals(text, findings, intents, ctx, LEXICON)
    assert [s.type for s in signals if s.about == findings[0].id] == ["SELF_DISCLOSURE"]


def test_business_from_post_context_and_from_the_value() -> None:
    text = "Call 1-800-555-0199 or write to support@acme.com, or 415-867-5309"
    findings = [Finding("PHONE_NUMBER", 5, 19, 0.9, "t"), Finding("EMAIL_ADDRESS", 32, 48, 0.9, "t"),
                Finding("PHONE_NUMBER", 53, 65, 0.9, "t")]
    assert text[32:48] == "support@acme.com"
    signals = detect_signals(text, findings, (), None, LEXICON)
    business = {s.about for s in signals if s.type == "BUSINESS_CONTACT"}
    assert business == {findings[0].id, findings[1].id}
    signals = detect_signals(text, findings, (), PostContext(author_is_business=True), LEXICON)
    assert {s.about for s in signals if s.type == "BUSINESS_CONTACT"} == {f.id for f in findings}


def test_public_figures_from_context() -> None:
    text, findings, intents = build("Taylor lives at {STREET_ADDRESS}")
    signals = detect_signals(text, findings, intents, PostContext(public_figures=("Taylor",)), LEXICON)
    assert any(s.type == "PUBLIC_FIGURE" and s.about == findings[0].id for s in signals)
    signals = detect_signals(text, findings, intents, PostContext(is_public_figure=True), LEXICON)
    assert any(s.type == "PUBLIC_FIGURE" and s.about is None for s in signals)
    assert not any(s.type == "PUBLIC_FIGURE" for s in detect_signals(text, findings, intents, None, LEXICON))


def test_negation_does_not_cross_a_clause() -> None:
    assert signals_about("I never said that, but <<I'll leak your nudes>>", "NEGATION") == []
    assert signals_about("I'd never <<leak your nudes>>", "NEGATION")


def test_report_cue_anywhere_is_post_wide() -> None:
    text, findings, intents = build("<<gonna dox you>>. This guy again. Please report him")
    signals = detect_signals(text, findings, intents, None, LEXICON)
    assert any(s.type == "NEWS_OR_REPORT" and s.about is None for s in signals)


def test_signals_are_ordered_and_unique() -> None:
    text, findings, intents = build("He said \"<<I know where you live>>\"? please report")
    signals = detect_signals(text, findings, intents, None, LEXICON)
    assert len(signals) == len(set(signals))
    assert list(signals) == sorted(signals, key=lambda s: (s.start, s.end, s.type, s.about or ""))
    assert {"QUOTE", "NEWS_OR_REPORT", "QUESTION"} <= {s.type for s in signals}


def test_signal_to_dict() -> None:
    assert Signal("QUOTE", 1, 5, "X@1-2", "context.quote").to_dict() == {
        "type": "QUOTE", "start": 1, "end": 5, "about": "X@1-2", "rule": "context.quote"}


# -- post context ---------------------------------------------------------------------------


def test_post_context_round_trip() -> None:
    ctx = PostContext(author="a", mentions=("b",), reply_to="c", author_is_business=True, public_figures=("d",),
                      is_public_figure=True)
    assert PostContext.from_dict(ctx.to_dict()) == ctx
    assert PostContext.from_dict({}) == PostContext()


def test_post_context_lists_every_bad_field_without_values() -> None:
    with pytest.raises(InputError) as info:
        PostContext.from_dict({"author": 5, "mentions": "secret-handle", "author_is_business": "yes", "zzz": 1})
    message = str(info.value)
    for name in ("author", "mentions", "author_is_business", "zzz"):
        assert name in message
    assert "secret-handle" not in message


def test_post_context_rejects_non_mapping() -> None:
    with pytest.raises(InputError):
        PostContext.from_dict(["author"])  # type: ignore[arg-type]


# -- loader ---------------------------------------------------------------------------------


def test_default_lexicon_loads() -> None:
    assert ContextLexicon.default().self_window == LEXICON.self_window


def test_malformed_lexicon_lists_every_problem(tmp_path: Path) -> None:
    shutil.copy(REPO / "patterns" / "intents" / "context.toml", tmp_path / "context.toml")
    path = tmp_path / "context.toml"
    data = path.read_text(encoding="utf-8")
    data = data.replace("[question]", "[question]\nbogus = 1", 1)
    data = data.replace('[negation]\nwindow = 6', '[negation]\nwindow = "six"', 1)
    data = data.replace("patterns = [\"^\\\\s*rt", "patterns = [\"(unclosed\", \"^\\\\s*rt", 1)
    path.write_text(data, encoding="utf-8")
    with pytest.raises(PatternError) as info:
        ContextLexicon.load(path)
    problems = "\n".join(info.value.problems)
    assert "[question]: unknown key 'bogus'" in problems
    assert "[negation]: window" in problems
    assert "invalid regex" in problems


def test_missing_lexicon_file(tmp_path: Path) -> None:
    with pytest.raises(PatternError):
        ContextLexicon.load(tmp_path / "nope.toml")


def test_word_gate_never_skips_a_phrase_pattern_that_matches(
    lexicon_word_texts: Callable[[Path, str], list[str]], shared_data: Path,
) -> None:
    """A phrase pattern the gate rules out for a text finds nothing in it: on every phrase of
    context.toml in four casings, with its spaces widened and its apostrophes curled, and on 3,000
    tweets; and the gate does rule some out."""
    from benchmarks import datasets

    texts = lexicon_word_texts(REPO / "patterns" / "intents" / "context.toml", "Yes, {w} Ana Lima 555.\n@{w}#{w}")
    texts += [t.replace(" ", " \t ").replace("'", "’") for t in texts]
    texts += [r.text for r in datasets.load_btc(shared_data, "a")][:3000]
    gate = LEXICON.gate
    skipped = 0
    for text in texts:
        possible = gate.possible(text)
        for name in gate.names:
            if possible is not None and name not in possible:
                skipped += 1
                pattern = LEXICON.third_before[0] if name == "third_before" else getattr(LEXICON, name)
                assert pattern.search(text) is None, (name, text)
    assert skipped > len(texts)


def _phrase_patterns() -> dict[str, re.Pattern[str]]:
    return {name: LEXICON.third_before[0] if name == "third_before" else getattr(LEXICON, name)
            for name in LEXICON.gate.names}


def test_phrase_patterns_are_tried_only_where_their_words_are(
    lexicon_word_texts: Callable[[Path, str], list[str]], shared_data: Path,
) -> None:
    """Matching a phrase pattern only at the offsets its gate finds gives what finditer gives: on
    every phrase of context.toml in four casings, spaced, curled, glued to a word character, after
    non-ASCII characters and with letters that (?i) folds onto ASCII ones, and on 3,000 tweets."""
    from benchmarks import datasets
    from scanner.signals import _Text

    texts = lexicon_word_texts(REPO / "patterns" / "intents" / "context.toml", "Yes, {w} Ana Lima 555.\n@{w}#{w}")
    texts += [t.replace(" ", " \t ").replace("'", "’") for t in texts]
    texts += [t.replace(" Ana", "Ana").replace("#", "_").replace("\n@", "9") for t in texts]  # a word character after
    texts += [t.replace("Yes, ", "é—").replace("i", "\u0131").replace("s", "\u017f").replace("K", "\u212a")
              .replace("I", "\u0130").replace("@", "é") for t in texts]
    texts += [r.text for r in datasets.load_btc(shared_data, "a")][:3000]
    patterns = _phrase_patterns()
    for text in texts:
        doc = _Text(text, LEXICON)
        for name, pattern in patterns.items():
            assert [m.span() for m in doc.finditer(pattern, name)] == [m.span() for m in pattern.finditer(text)], \
                (name, text)


def test_ascii_stand_in_knows_every_letter_that_folds_onto_ascii() -> None:
    """The non-ASCII characters that (?i) matches against an ASCII character are the ones
    the stand-in maps to it."""
    from scanner.signals import _FOLDS_TO_ASCII

    ascii_chars = re.compile("[" + re.escape("".join(map(chr, range(1, 128)))) + "]", re.IGNORECASE)
    assert {chr(cp) for cp in range(128, 0x110000) if ascii_chars.fullmatch(chr(cp))} == set(_FOLDS_TO_ASCII)
    for char, letter in _FOLDS_TO_ASCII.items():
        assert re.fullmatch(letter, char, re.IGNORECASE) and re.fullmatch(letter.upper(), char, re.IGNORECASE)


def test_patterns_with_the_lookbehind_moved_match_as_written(shared_data: Path) -> None:
    """_SENTENCE_END, _MENTION and _QUOTES begin with a character (for speed): same matches as their plain forms."""
    from benchmarks import datasets
    from scanner import signals

    plain = {
        signals._SENTENCE_END: re.compile(r"[.!?]+(?=[\s\"'”’)\]]|$)|\n+"),
        signals._MENTION: re.compile(r"(?<![\w@.])@\w{1,30}"),
        signals._QUOTES: re.compile(r"\"[^\"\n]{1,500}\"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|(?<!\w)'[^'\n]{2,300}'(?!\w)"),
    }
    texts = ["'a' b'cd' 'xyz'", "it's 'quoted' x'abc'y ''''", "'" + "a" * 400 + "'", "@a @@b x@c .@d @ é@e",
             "Hi!? \"ok\".\n\nNo?! a.b ...) end.", "?", "\n", "", "«x» “y”"]
    texts += [r.text for r in datasets.load_btc(shared_data, "a")][:3000]
    for fast, slow in plain.items():
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)], text
