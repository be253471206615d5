"""Validators and false-positive filters for credential rules (registered by name).

Each check is a small named predicate over the matched *value* (never logged):

* filters (True = drop the hit): ``placeholder`` (template references, masks,
  ``xxxx`` runs, instruction text such as ``your_api_key_here``, documentation
  samples), ``sequential``, ``repeated``, ``uuid``, ``english_word``,
  ``password_phrase`` and ``code_reference``;
* validators (True = plausible): ``jwt`` (the header decodes to a JSON object
  naming ``alg``), ``discord_id`` (a Discord token's first part is a base64
  numeric id), ``password_like`` (letters and a digit or symbol) and ``has_digit``.

The small English word list lives in ``patterns/lexicons/credential_words.txt``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import itertools
import json
import string

import regex

from .resources import default_patterns_dir
from .validators import false_positive_filter, validator

WORDS_FILE = "credential_words.txt"

# Words that make a candidate password read as a sentence about passwords.
PASSWORD_TALK = frozenset({
    "password", "passwords", "passwd", "pwd", "passcode", "passphrase", "pin", "login", "log", "sign",
    "forgot", "forget", "forgotten", "reset", "required", "require", "requires", "incorrect", "invalid",
    "wrong", "expired", "expires", "enter", "entered", "must", "should", "characters", "character",
    "length", "hint", "field", "change", "changed", "update", "updated", "manager", "protected",
    "strength", "policy", "same", "different", "mine", "yours", "here", "hidden", "secure", "weak",
    "strong", "blank", "empty", "missing", "not", "none", "null", "set", "unset", "my", "your",
})

_TEMPLATE = regex.compile(
    r"""(?x)^(?:
        \$\{[^{}]{1,80}\}            # ${VAR}, ${{ secrets.X }}
      | \$\{\{[^{}]{1,80}\}\}
      | \$\([^()]{1,80}\)            # $(command)
      | \{\{[^{}]{1,80}\}\}         # {{ var }}
      | \{%[^%]{1,80}%\}
      | <%[^%]{1,80}%>
      | \$[A-Za-z_][\w.$]{0,60}       # $VAR, $var.field
      | %[\w.]{1,60}%                  # %VAR%
      | \{[\w .-]{0,60}\}            # {SumoAccessKey}, {3}
      | <[^<>]{1,80}>                   # <token>, <YOUR_ACCOUNT_KEY>
      | \[[^\[\]]{1,80}\]           # [Shared Access key goes here]
      | \$\w{1,60}\$
      | &lt;.{1,80}&gt;               # an HTML-escaped <placeholder>
    )$""",
)
_MASKED = regex.compile(r"(?i)x{4,}|\*{3,}|\.{3,}|\.{2}$|•{3,}|#{4,}")
_INSTRUCTION = regex.compile(
    r"""(?ix)
    (?:^|[\W_])(?:your|my|insert|enter|put|replace|paste|add)[\W_]+\w*?(?:[\W_]+\w+){0,4}?[\W_]+here(?:$|[\W_])
    |_here$|^here$|(?:^|[\W_])(?:redacted|placeholder|changeme_?later|todo|tbd|fixme|dummy|not[\W_]?set)(?:$|[\W_])
    |example|(?:^|[\W_])fake(?:$|[\W_])|^(?:none|null|nil|undefined|true|false|empty|token|string|value|apikey|api_key|test|password|passwd)$
    |^(?:test|fake|sample|demo|my|your)[\W_]?(?:key|token|secret|password|pass|pwd|apikey)s?$
    |fake[\W_]?(?:key|token|secret|password)
    """,
)
_CODE_REFERENCE = regex.compile(
    r"""(?x)
    ^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:\(.*\))?$          # dotted name: var.db_password, env.TOKEN
    |^[A-Za-z_][\w.]*\(.*\)$                              # a call: getPassword()
    |^[A-Za-z_][\w.]*\[.*\]$                              # an index: request.form["password"]
    |^%[sd]$|^\?$|^:[a-z_]+$                              # printf / SQL parameters
    |^(?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+$                      # an ENV_VAR_NAME
    |^(?:/|\./|\.\./|~/)\S+$|^[\w-]+\.(?:pem|key|p12|pfx|crt|cer|json|ya?ml|txt|env|cfg|conf|ini)$
    |^[\w.-]+(?:/[\w.#:-]+){2,}$                          # a route or path: cms/sites/passwords#edit
    |^(?:https?|ftp)://|^arn:                             # a plain URL, an AWS resource name
    |^\s*\+|[(+]\s*$|^\(                                  # a concatenation or cast fragment: "+ getPassword() +"
    |^(?:\$\{|\$\(|\{\{|\#\{|%\(|<%|`)                         # an interpolation or command substitution
    |^\\?\$[A-Za-z_]\w*(?:$|[^\w$])                        # $VAR followed by code: $VAR/path, $_POST[
    |^ENC\[|^\{cipher\}                                   # an encrypted-config marker (sops, spring)
    |^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$                          # an e-mail address
    |[-_.:]v?\d+\.\d+(?:\.\d+)?$                              # ends in a version number: jjwt-jackson-0.11.2
    """,
)
_UUID = regex.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SEQUENCES = (
    string.ascii_uppercase * 2 + string.digits + "+/",
    string.digits + string.ascii_uppercase * 2 + "+/",
    (string.digits + "ABCDEF") * 2,
    "1234567890" * 2,
    "0123456789" * 2,
    "QWERTYUIOPASDFGHJKLZXCVBNM" * 2,
    "1QAZ2WSX3EDC4RFV5TGB6YHN7UJM8IK9OL0P",
)
_ALNUM = regex.compile(r"[^A-Za-z0-9]+")
_WORD_PARTS = regex.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_B64URL = regex.compile(r"^[A-Za-z0-9_-]+={0,2}$")


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The small lower-case word list shipped in ``patterns/lexicons``."""
    path = default_patterns_dir() / "lexicons" / WORDS_FILE
    words = (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w)


def _alnum(value: str) -> str:
    return str(_ALNUM.sub("", value))


# -- false-positive filters --------------------------------------------------------


@false_positive_filter("template_reference")
def is_template_reference(value: str) -> bool:
    """``${VAR}``, ``{{ var }}``, ``$VAR``, ``%VAR%``, ``<token>``, ``[key goes here]``."""
    return _TEMPLATE.search(value.strip("\"'`")) is not None


@false_positive_filter("masked")
def is_masked(value: str) -> bool:
    """A masked or elided value: ``xxxx`` runs, ``***``, ``...``."""
    return _MASKED.search(value) is not None


@false_positive_filter("instruction_text")
def is_instruction_text(value: str) -> bool:
    """``your_api_key_here``, ``insert_key_here``, ``EXAMPLE`` samples, bare type names."""
    return _INSTRUCTION.search(value) is not None


@false_positive_filter("placeholder")
def is_placeholder(value: str) -> bool:
    """Any of the placeholder shapes above."""
    return is_template_reference(value) or is_masked(value) or is_instruction_text(value)


_PREFIX = regex.compile(r"^(?:[A-Za-z0-9]{1,12}[_.~-]){1,3}")


def _body(value: str) -> str:
    """The value without a provider-style prefix (``ghp_``, ``sk-ant-api03-``) when enough is left."""
    match = _PREFIX.match(value)
    rest = value[match.end():] if match else value
    return rest if len(rest) >= 12 else value


def _longest_run(part: str) -> int:
    """Length of the longest stretch of ``part`` that follows one of the sequences."""
    best = 0
    for seq in _SEQUENCES:
        doubled = seq * 3
        i = 0
        while i < len(part):
            j = i + 1
            while j <= len(part) and part[i:j] in doubled:
                j += 1
            best = max(best, j - 1 - i)
            i = max(j - 1, i + 1)
    return best


def _sequential_coverage(part: str) -> int:
    """How many characters of ``part`` lie in sequential stretches of four or more."""
    covered, i = 0, 0
    while i < len(part):
        j = i + 1
        while j <= len(part) and any(part[i:j] in seq * 3 for seq in _SEQUENCES):
            j += 1
        length = j - 1 - i
        if length >= 4:
            covered += length
            i = j - 1
        else:
            i += 1
    return covered


@false_positive_filter("sequential")
def is_sequential_string(value: str) -> bool:
    """Letters and digits running along a keyboard or alphabet sequence (``abcdefgh``, ``123456789``)
    for the whole value or body, or for a stretch of ten or more covering half of it."""
    for part in {_alnum(value).upper(), _alnum(_body(value)).upper()}:
        if len(part) < 6:
            continue
        if any(part in seq * (len(part) // len(seq) + 2) for seq in _SEQUENCES):
            return True
        run = _longest_run(part)
        if run >= 10 and run * 2 >= len(part):
            return True
        if _sequential_coverage(part) * 5 >= len(part) * 3:
            return True
        # two sequences interleaved: a1b2c3d4e5f6...
        if len(part) >= 16 and any(_longest_run(half) * 5 >= len(half) * 4 for half in (part[::2], part[1::2])):
            return True
    return False


_REPEATED_UNIT = regex.compile(r"(.{1,4}?)\1{2,}.{0,3}", regex.IGNORECASE)


def _repeats(body: str) -> bool:
    if len(body) >= 3 and len(set(body.lower())) == 1:
        return True
    if len(body) < 6:
        return False
    if _REPEATED_UNIT.fullmatch(body):
        return True
    lowered = body.lower()
    if max(lowered.count(c) for c in set(lowered)) / len(body) >= 0.6:
        return True
    runs = 1 + sum(1 for a, b in itertools.pairwise(lowered) if a != b)
    return len(body) >= 16 and runs * 5 <= len(body)


@false_positive_filter("repeated")
def is_repeated_string(value: str) -> bool:
    """A unit of at most four characters repeated (``aaaa``, ``abab``), or one character filling most of it."""
    return _repeats(_alnum(value)) or _repeats(_alnum(_body(value)))


@false_positive_filter("uuid")
def is_uuid(value: str) -> bool:
    """A bare UUID (used where no provider keyword vouches for it)."""
    return _UUID.match(value.strip("\"'")) is not None


def _word_parts(value: str) -> list[str]:
    return [p.lower() for p in _WORD_PARTS.findall(value)]


@false_positive_filter("english_word")
def is_english_words(value: str) -> bool:
    """The value is made of common English words only (``required``, ``too short``, ``NotSet``)."""
    if any(not (c.isalpha() or c in " _-.',") for c in value):
        return False
    parts = _word_parts(value)
    words = english_words()
    return bool(parts) and all(p in words for p in parts)


@false_positive_filter("password_phrase")
def is_password_phrase(value: str) -> bool:
    """A phrase about passwords rather than a password: ``password is required``, ``forgot my password``."""
    if any(c.isdigit() for c in value):
        return False
    parts = _word_parts(value)
    if len(parts) < 2:
        return False
    if any(p in {"password", "passwords", "passwd", "pwd"} for p in parts):
        return True
    words = english_words()
    return any(p in PASSWORD_TALK for p in parts) and all(p in words or p in PASSWORD_TALK for p in parts)


@false_positive_filter("code_reference")
def is_code_reference(value: str) -> bool:
    """A variable, call, environment-variable name, path or plain URL rather than a literal secret."""
    return _CODE_REFERENCE.search(value.strip("\"'`")) is not None


FUNCTION_WORDS = frozenset({
    "the", "a", "an", "is", "are", "was", "to", "of", "and", "or", "but", "in", "on", "for", "with", "you",
    "your", "my", "i", "we", "it", "this", "that", "never", "not", "be", "have", "has", "do", "if", "so",
})


@false_positive_filter("prose_sentence")
def is_prose_sentence(value: str) -> bool:
    """A run of words that reads as a sentence (two or more function words), not a seed phrase."""
    return sum(1 for w in value.lower().replace(",", " ").split() if w in FUNCTION_WORDS) >= 2


@false_positive_filter("userinfo_placeholder")
def is_userinfo_placeholder(value: str) -> bool:
    """A URL's ``user:password`` part whose password is a template, a mask or empty."""
    _, _, password = value.partition(":")
    return not password or is_template_reference(password) or is_masked(password)


# -- validators ----------------------------------------------------------------------


def _b64url_decode(part: str) -> bytes | None:
    if not _B64URL.match(part):
        return None
    part = part.rstrip("=")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


@validator("jwt")
def is_jwt(value: str) -> bool:
    """Two or three base64url parts whose header is a JSON object naming ``alg`` (or ``typ``)."""
    parts = value.split(".")
    if len(parts) not in (2, 3) or not parts[0].startswith("eyJ"):
        return False
    header = _b64url_decode(parts[0])
    if header is None:
        return False
    try:
        decoded = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        # A header with a damaged value but intact structure still reads as a JWT.
        text = header.decode("latin-1")
        return text.startswith('{"') and text.rstrip().endswith("}") and ('"alg"' in text or '"typ"' in text)
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


@validator("discord_id")
def is_discord_id(value: str) -> bool:
    """A Discord token's first part is the bot's numeric id (a 17-20 digit snowflake) in base64."""
    decoded = _b64url_decode(value.split(".", 1)[0])
    return decoded is not None and 17 <= len(decoded) <= 20 and decoded.isdigit()


@validator("password_like")
def is_password_like(value: str) -> bool:
    """Letters together with a digit or a symbol (``admin123``, ``s3cret!``): not a plain word or number."""
    has_alpha = any(c.isalpha() for c in value)
    has_other = any(c.isdigit() or (not c.isalnum() and not c.isspace()) for c in value)
    return has_alpha and has_other


@validator("has_digit")
def has_digit(value: str) -> bool:
    """At least one digit (random tokens of 20+ characters nearly always have one)."""
    return any(c.isdigit() for c in value)


@validator("letters_and_digits")
def has_letters_and_digits(value: str) -> bool:
    """Both a letter and a digit (``admin123``): what a password written without a separator needs."""
    return any(c.isalpha() for c in value) and any(c.isdigit() for c in value)


@validator("b64_private_key")
def is_b64_private_key(value: str) -> bool:
    """Base64 text that decodes to a PEM private-key header."""
    text = value.strip()
    try:
        decoded = base64.b64decode(text[: len(text) - len(text) % 4] or "", validate=False)
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY" in decoded
