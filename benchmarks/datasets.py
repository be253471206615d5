"""Loaders for the labeled corpora in ``../shared/data`` and builders of the speed corpora.

Everything is read in place from the data directory (default ``../shared/data``
relative to the repository root); nothing is copied into the repository.

Gold spans are :class:`Span` objects with Python string offsets (end exclusive).
CoNLL corpora (WNUT-17, Broad Twitter Corpus) carry tokens only: the text of a
sentence is rebuilt by joining its tokens with single spaces, and span offsets are
computed on that text.

Definitions used by the speed corpora (documented in RESULTS.md):

- a *PII sentence* is a presidio_synth sentence holding at least one in-scope
  identifier span other than PERSON (a name alone is not private information);
- a *non-PII post* is a tweet (WNUT-17 dev, Broad Twitter Corpus) with no in-scope
  labeled span, i.e. no PERSON span once ``@mentions`` (handles, not names) are set aside.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The presidio_synth types in scope, in report order.
SYNTH_TYPES: tuple[str, ...] = (
    "PERSON",
    "STREET_ADDRESS",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "US_DRIVER_LICENSE",
)
BTC_SECTIONS: tuple[str, ...] = ("a", "b", "e", "g", "h")
LONG_TEXT_SIZES: dict[str, int] = {"10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000}


@dataclass(frozen=True, slots=True)
class Span:
    """A labeled or predicted span: ``text[start:end]`` has type ``type``."""

    type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Record:
    """One text with its gold spans.

    ``ignore`` holds regions where a prediction that matches no gold span is not
    counted as a false positive (``@mentions`` in tweets).
    """

    id: str
    text: str
    spans: tuple[Span, ...] = ()
    ignore: tuple[tuple[int, int], ...] = field(default=())


class DataMissingError(FileNotFoundError):
    """A corpus file is missing from the data directory."""


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataMissingError(f"corpus file not found: {path} (pass --data-dir)")
    return path


def subsample(records: Sequence[Record], n: int | None, seed: int) -> list[Record]:
    """At most ``n`` records drawn with a fixed seed, kept in corpus order."""
    if n is None or n >= len(records):
        return list(records)
    picked = sorted(random.Random(seed).sample(range(len(records)), n))
    return [records[i] for i in picked]


# --- presidio_synth -----------------------------------------------------------------

# Address parts that continue a street address in presidio_synth templates.
ADDRESS_PARTS = frozenset({"STREET_ADDRESS", "GPE", "ZIP_CODE"})
_ADDRESS_GAP = re.compile(r"[\s,.;:#/>?-]*")  # ">" and "???" start quoted lines in some templates


def merge_address_parts(text: str, spans: Sequence[Span]) -> list[Span]:
    """Merge each run of address parts holding a STREET_ADDRESS into one STREET_ADDRESS span.

    Some presidio_synth templates label one address as several slots
    (``{{STREET_ADDRESS}} {{STREET_ADDRESS}} {{STREET_ADDRESS}}\n{{GPE}}\n{{ZIP_CODE}}``), others
    as one span. A run is a sequence of STREET_ADDRESS / GPE / ZIP_CODE spans separated only
    by whitespace and light punctuation; a run without a STREET_ADDRESS part (a city alone)
    is not an address and is left out. Other spans are returned unchanged.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    out: list[Span] = []
    run: list[Span] = []

    def flush() -> None:
        if run and any(s.type == "STREET_ADDRESS" for s in run):
            out.append(Span("STREET_ADDRESS", run[0].start, max(s.end for s in run)))
        else:
            out.extend(run)
        run.clear()

    for span in ordered:
        if span.type not in ADDRESS_PARTS:
            out.append(span)
            continue
        if run and not (span.start >= run[-1].end and _ADDRESS_GAP.fullmatch(text, run[-1].end, span.start)):
            flush()
        run.append(span)
    flush()
    return sorted(out, key=lambda s: (s.start, s.end))


def load_presidio_synth(
    data_dir: Path, types: Iterable[str] = SYNTH_TYPES, merge_addresses: bool = True
) -> list[Record]:
    """presidio_synth sentences with their in-scope spans (other types are dropped).

    With ``merge_addresses`` (the default, see :func:`merge_address_parts`) an address
    labeled as several slots becomes one STREET_ADDRESS span covering all of it.
    """
    keep = frozenset(types)
    path = _require(data_dir / "presidio_synth" / "synth_dataset_v2.json")
    rows = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, row in enumerate(rows):
        text = row["full_text"]
        spans = [Span(s["entity_type"], s["start_position"], s["end_position"]) for s in row["spans"]]
        if merge_addresses:
            spans = merge_address_parts(text, spans)
        kept = tuple(sorted((s for s in spans if s.type in keep), key=lambda s: (s.start, s.end)))
        out.append(Record(f"synth-{i}", text, kept))
    return out


def pii_sentences(data_dir: Path) -> list[Record]:
    """presidio_synth sentences holding an in-scope identifier other than PERSON."""
    return [r for r in load_presidio_synth(data_dir) if any(s.type != "PERSON" for s in r.spans)]


# --- CoNLL tweet corpora ------------------------------------------------------------


def _conll_sentences(path: Path) -> Iterator[list[tuple[str, str]]]:
    sentence: list[tuple[str, str]] = []
    for line in _require(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if sentence:
                yield sentence
            sentence = []
            continue
        token, _, tag = line.partition("\t")
        sentence.append((token, tag.strip() or "O"))
    if sentence:
        yield sentence


def conll_record(rid: str, tokens: Sequence[tuple[str, str]], person_label: str) -> Record:
    """Join tokens with spaces; PERSON spans from BIO tags; ``@mention`` tokens become ignore regions."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    for token, _ in tokens:
        offsets.append((pos, pos + len(token)))
        parts.append(token)
        pos += len(token) + 1
    text = " ".join(parts)
    spans: list[Span] = []
    ignore: list[tuple[int, int]] = []
    current: list[int] | None = None  # [start, end, starts_with_mention]

    def close() -> None:
        if current is not None:
            if current[2]:
                ignore.append((current[0], current[1]))
            else:
                spans.append(Span("PERSON", current[0], current[1]))

    previous = ""
    for (token, tag), (start, end) in zip(tokens, offsets, strict=True):
        after_at, previous = previous == "@", token  # BTC splits some mentions: "@" then the handle
        prefix, _, label = tag.partition("-")
        if prefix == "I" and label == person_label and current is not None:
            current[1] = end
            continue
        close()
        current = None
        if prefix in {"B", "I"} and label == person_label:
            current = [start, end, int(token.startswith("@") or after_at)]
        elif (token.startswith("@") and len(token) > 1) or after_at:
            ignore.append((start, end))
    close()
    return Record(rid, text, tuple(spans), tuple(ignore))


def load_wnut17(data_dir: Path) -> list[Record]:
    """WNUT-17 dev sentences with PERSON spans (label ``person``)."""
    path = data_dir / "wnut17" / "emerging.dev.conll"
    return [conll_record(f"wnut17-{i}", s, "person") for i, s in enumerate(_conll_sentences(path))]


def load_btc(data_dir: Path, section: str) -> list[Record]:
    """One Broad Twitter Corpus section with PERSON spans (label ``PER``, ``@mentions`` ignored)."""
    path = data_dir / "broad_twitter_corpus" / f"{section}.conll"
    return [conll_record(f"btc-{section}-{i}", s, "PER") for i, s in enumerate(_conll_sentences(path))]


def non_pii_posts(data_dir: Path) -> list[Record]:
    """Tweets with no in-scope labeled span (no PERSON once @mentions are set aside), deduplicated."""
    seen: set[str] = set()
    out = []
    corpora = [load_wnut17(data_dir)] + [load_btc(data_dir, s) for s in BTC_SECTIONS]
    for records in corpora:
        for r in records:
            if not r.spans and r.text.strip() and r.text not in seen:
                seen.add(r.text)
                out.append(r)
    return out


# --- speed corpora -----------------------------------------------------------------


def build_feed(data_dir: Path, n: int, seed: int, pii_share: float = 0.05, warmup: int = 0) -> list[Record]:
    """Corpus (a): a realistic feed, ``pii_share`` PII sentences among non-PII tweets, shuffled;
    none of them among the ``warmup`` posts of :func:`build_warmup`."""
    rng = random.Random(seed)
    n_pii = round(n * pii_share)
    clean = non_pii_posts(data_dir)
    pii = pii_sentences(data_dir)
    if warmup:
        held_clean, held_pii = _warmup_split(clean, pii, warmup, seed, pii_share)
        held_out = {r.text for r in held_clean + held_pii}
        clean = [r for r in clean if r.text not in held_out]
        pii = [r for r in pii if r.text not in held_out]
    picked = rng.sample(clean, min(n - n_pii, len(clean))) + rng.sample(pii, min(n_pii, len(pii)))
    rng.shuffle(picked)
    return picked


def build_warmup(data_dir: Path, n: int, seed: int, pii_share: float = 0.05) -> list[Record]:
    """Posts for warming a system up before it is timed: ``pii_share`` PII sentences among
    non-PII tweets, drawn with their own seed; :func:`build_feed` and :func:`build_all_pii`
    given the same ``warmup`` size leave them out. At most a quarter of each pool."""
    clean, pii = _warmup_split(non_pii_posts(data_dir), pii_sentences(data_dir), n, seed, pii_share)
    picked = clean + pii
    random.Random(seed).shuffle(picked)
    return picked


def _warmup_split(
    clean: Sequence[Record], pii: Sequence[Record], n: int, seed: int, pii_share: float = 0.05
) -> tuple[list[Record], list[Record]]:
    """The warm-up's tweets and PII sentences, drawn from the two pools."""
    n_pii = round(n * pii_share)
    order = random.Random(seed + 1)
    clean_pick = order.sample(clean, min(n - n_pii, len(clean) // 4))
    pii_pick = order.sample(pii, min(n_pii, len(pii) // 4))
    return clean_pick, pii_pick


def build_all_pii(data_dir: Path, n: int | None, seed: int, warmup: int = 0) -> list[Record]:
    """Corpus (b): posts that all hold private data (PII sentences of presidio_synth), none of
    them among the ``warmup`` posts of :func:`build_warmup`."""
    pii = pii_sentences(data_dir)
    held_out = {r.text for r in _warmup_split(non_pii_posts(data_dir), pii, warmup, seed)[1]} if warmup else set()
    return subsample([r for r in pii if r.text not in held_out], n, seed)


def build_long_text(posts: Sequence[Record], size: int) -> str:
    """Corpus (c): posts joined by newlines, repeated as needed, cut to exactly ``size`` characters."""
    if not posts:
        raise ValueError("no posts to build a long text from")
    chunks: list[str] = []
    total = 0
    i = 0
    while total < size:
        text = posts[i % len(posts)].text
        chunks.append(text)
        total += len(text) + 1
        i += 1
    return "\n".join(chunks)[:size]
