"""Credential detection in prose and pasted config: positives and hard negatives per subtype,
the false-positive filters one by one, keyword pre-checks, and secrets kept out of output."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from scanner import Scanner, ScannerConfig
from scanner import credential_checks as cc
from scanner.findings import Finding
from scanner.resources import default_patterns_dir
from scanner.rules import RuleDetector, load_families

CRED_DIR = default_patterns_dir() / "rules" / "credentials"
FAMILIES = load_families(CRED_DIR)


@pytest.fixture(scope="module")
def cred_scanner() -> Scanner:
    return Scanner(ScannerConfig(ner="never"))


def credentials(scanner: Scanner, text: str) -> list[Finding]:
    return [f for f in scanner.scan(text).findings if f.type == "CREDENTIAL"]


# Synthetic values only: random strings of the right shape, made up for these tests.
POSITIVES = [
    # PASSWORD
    ("my netflix login is bob@x.com / hunter22", "PASSWORD", "hunter22"),
    ("pw: Tr0ub4dor&3", "PASSWORD", "Tr0ub4dor&3"),
    ("user admin pass admin123", "PASSWORD", "admin123"),
    ('password is "correct horse battery"', "PASSWORD", "correct horse battery"),
    ("login: jdoe password: s3cret!", "PASSWORD", "s3cret!"),
    ("the wifi password is Blue-Fox-77 enjoy", "PASSWORD", "Blue-Fox-77"),
    ("DB_PASSWORD=Zq7mR2pLx9", "PASSWORD", "Zq7mR2pLx9"),
    ("db:\n  user: app\n  password: 'v9#Kd2!qLm'\n", "PASSWORD", "v9#Kd2!qLm"),
    ("combo list: jane.doe@mail.com:Sunshine99", "PASSWORD", "Sunshine99"),
    ("docker login -u bob -p Qz8kL2mW", "PASSWORD", "Qz8kL2mW"),
    # URL_CREDENTIALS
    ("try https://bob:pa55word@files.example.net/private", "URL_CREDENTIALS", "bob:pa55word"),
    ("DATABASE_URL=postgres://app:Xk2mQ9vL@db.internal:5432/prod", "URL_CREDENTIALS", "app:Xk2mQ9vL"),
    ("mongodb+srv://admin:Hq3vN7pz@cluster0.abcde.mongodb.net/test", "URL_CREDENTIALS", "admin:Hq3vN7pz"),
    # API_KEY / ACCESS_TOKEN (provider shapes)
    ("oops pasted my github token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A in the chat", "ACCESS_TOKEN",
     "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"),
    ("export AWS_ACCESS_KEY_ID=AKIA4QZ7W2LMN8RT5XKP", "API_KEY", "AKIA4QZ7W2LMN8RT5XKP"),
    ("export AWS_SECRET_ACCESS_KEY=q8Z3mT7vLp2Xr9Kd4Wn6Bc1Hs5Fg0Ja/Ue+Yt3Rk", "API_KEY",
     "q8Z3mT7vLp2Xr9Kd4Wn6Bc1Hs5Fg0Ja/Ue+Yt3Rk"),
    ("stripe key sk_live_4eC39HqLyjWDarjtT1zdp7dc oops", "API_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("maps key AIzaSyD4kP9qL2mX7vB1nC8zT3wR5yH6jK0aQeU works", "API_KEY", "AIzaSyD4kP9qL2mX7vB1nC8zT3wR5yH6jK0aQeU"),
    ("slack bot: xoxb-418350192736-5920184736251-Hq2mZ9kLp4xR8tV1cNb7Wd3F", "ACCESS_TOKEN",
     "xoxb-418350192736-5920184736251-Hq2mZ9kLp4xR8tV1cNb7Wd3F"),
    ("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 is my hugging face token", "ACCESS_TOKEN",
     "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"),
    ("telegram bot 7213809911:AAH4kq9ZpLmN2xR7tVb1cW3dY8eF5gH6jKs", "ACCESS_TOKEN",
     "7213809911:AAH4kq9ZpLmN2xR7tVb1cW3dY8eF5gH6jKs"),
    ('"api_key": "4e1c9b7a2d8f6e3b5a0c9d7e1f2a3b4c"', "GENERIC_SECRET", "4e1c9b7a2d8f6e3b5a0c9d7e1f2a3b4c"),
    ("here's the api key 9f8e7d6c5b4a39281706f5e4d3c2b1a0 have fun", "GENERIC_SECRET",
     "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
    ("curl -H 'Authorization: Bearer 9hQ2mZ7kLp4xR8tV1cNb' https://api.example.org", "ACCESS_TOKEN",
     "9hQ2mZ7kLp4xR8tV1cNb"),
    # a token in a URL's user part is a credential, not an e-mail address
    ("git clone https://ghp_R7kQ2mZx9LpV4tN8wB3cH6jD1fS5gY0aE2uK@github.com/acme/app.git", "ACCESS_TOKEN",
     "ghp_R7kQ2mZx9LpV4tN8wB3cH6jD1fS5gY0aE2uK"),
    ("discord bot token MTQqVq82TUbCdHVAtiUrUHMw.RCNxoP.vUaqtRH87HSK7lG6S0faqNGviVL", "ACCESS_TOKEN",
     "MTQqVq82TUbCdHVAtiUrUHMw.RCNxoP.vUaqtRH87HSK7lG6S0faqNGviVL"),
    ("MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs", "ACCESS_TOKEN",
     "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"),
    ("okta_api_token: 00354g1vNQJ0tbpiWVL2vavMDBfCMfUoupSgLg91bU", "ACCESS_TOKEN",
     "00354g1vNQJ0tbpiWVL2vavMDBfCMfUoupSgLg91bU"),
    ("aws_secret_access_key: 'm{{h}o)p${e]nob(ody[finds>-_$#thisone}}'", "GENERIC_SECRET",
     "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"),
    # OTP_OR_RECOVERY_CODE
    ("my verification code is 482913 can u log in for me", "OTP_OR_RECOVERY_CODE", "482913"),
    ("2FA code: 731-264", "OTP_OR_RECOVERY_CODE", "731-264"),
    ("here are my google backup codes: 4821 9930, 1177 3046", "OTP_OR_RECOVERY_CODE", "4821 9930, 1177 3046"),
    ("they texted me a code: 558201 what do I do", "OTP_OR_RECOVERY_CODE", "558201"),
]

PEM_BODY = base64.b64encode(bytes(range(7, 250, 3)) * 2).decode()
JWT = ".".join(
    base64.urlsafe_b64encode(part).decode().rstrip("=")
    for part in (b'{"alg":"HS256","typ":"JWT"}', b'{"sub":"8812","role":"admin"}', bytes(range(40, 72)))
)
MULTILINE_POSITIVES = [
    (f"my key lol\n-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY[:64]}\n{PEM_BODY[64:128]}\n"
     "-----END OPENSSH PRIVATE KEY-----\nthoughts?", "PRIVATE_KEY",
     f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY[:64]}\n{PEM_BODY[64:128]}\n-----END OPENSSH PRIVATE KEY-----"),
    (f"session cookie: {JWT} (expires tomorrow)", "JWT", JWT),
]

NEGATIVES = [
    "I forgot my password again lol",
    "Password is required",
    "the password is too short, use at least 12 characters",
    "your password was changed yesterday",
    "never share your password with anyone",
    "Just posted my new passport photo lol",
    "your token has expired, please log in again",
    "the bearer of bad news",
    "password: ********",
    "api_key = your_api_key_here",
    "export AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
    "password = ${DB_PASSWORD}",
    "token: <token>",
    "git@github.com:org/repo.git",
    "https://example.com:8443/path",
    "zip code 90210",
    "promo code is 2024 lol",
    "the code is 9381",
    "request id 123e4567-e89b-12d3-a456-426614174000",
    "secret ingredient is love",
    "my token is ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "api_key = abcdefghijklmnopqrstuvwxyz",
    "TOKEN=aaaaaaaaaaaaaaaaaaaaaaaa",
    "keep your backup codes somewhere safe",
    "seed phrase is the one thing you should never share with anyone online or in your dms ever",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1L7\n-----END PUBLIC KEY-----",
    "Great game last night, see you all at the stadium on Friday!",
    # a key named for a provider whose own rule fixes the format, in that alphabet but the wrong length
    "export AWS_SECRET_ACCESS_KEY=5b0e9c7f2a14d8e63b91c0f47ad25e8b6c3f91d07a",
    "aws_secret_key: Zq8mR2pLx9Wd3+Kt7Vb1Nc4Hs6Fg0Ja5Ue2Y",
    "okta_api_key: 00354g1vNQJ0tbpiWVL2vavMDBfCMfUoupSgLg91b-",
    # a Teams connector URL that is not an incoming webhook
    "webhookUrl: 'https://outlook.office.com/webhook/82fc2788-c6f4-4507-a657-36c91eccfd87@93f33571-550f-43cf-b09f"
    "-cd33c338d086/JenkinsCI/4f3bbf41e81a4f36887a1a4d7cbfb2c6/82fa2788-c6f4-45c7-a657-36f91eccfd87'",
    # a Discord-shaped string with no Discord word nearby and no numeric id
    "build MTQqVq82TUbCdHVAtiUrUHMw.RCNxoP.vUaqtRH87HSK7lG6S0faqNGviVL failed on both runners",
    # an anonymous login opens no account
    'ftp.user = "anonymous";\nftp.password = "guest@";',
]


@pytest.mark.parametrize(("text", "subtype", "value"), POSITIVES + MULTILINE_POSITIVES)
def test_credential_found_with_subtype_and_exact_value(cred_scanner: Scanner, text: str, subtype: str,
                                                       value: str) -> None:
    found = credentials(cred_scanner, text)
    assert [f for f in found if f.subtype == subtype and text[f.start:f.end] == value], (
        f"expected a {subtype} finding; got {[(f.rule, f.subtype) for f in found]}"
    )


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negative_not_flagged(cred_scanner: Scanner, text: str) -> None:
    assert [f.rule for f in credentials(cred_scanner, text)] == []


def test_password_finding_excludes_the_keyword(cred_scanner: Scanner) -> None:
    text = "login: jdoe password: s3cret!"
    (finding,) = credentials(cred_scanner, text)
    assert text[finding.start:finding.end] == "s3cret!"
    assert "password" not in text[finding.start:finding.end]


def test_every_credential_rule_is_masked_and_typed() -> None:
    subtypes = {"PASSWORD", "URL_CREDENTIALS", "API_KEY", "ACCESS_TOKEN", "JWT", "PRIVATE_KEY",
                "OTP_OR_RECOVERY_CODE", "GENERIC_SECRET"}
    rules = [r for f in FAMILIES for r in f.rules]
    assert len(rules) >= 150
    for rule in rules:
        assert rule.type == "CREDENTIAL", rule.id
        assert rule.subtype in subtypes, rule.id
        assert rule.preview, rule.id
        assert rule.group == "value", rule.id
        assert rule.keywords or rule.min_digits >= 5, f"{rule.id} has no keyword or digit pre-check"
    assert {r.subtype for r in rules} == subtypes


def test_family_names_are_prefixed_and_providers_counted() -> None:
    assert all(f.family.startswith("cred_") for f in FAMILIES)
    providers = {str(r.attributes["provider"]) for f in FAMILIES for r in f.rules if "provider" in r.attributes}
    assert len(providers) >= 60


def test_plain_post_runs_no_credential_rule() -> None:
    text = "Great game last night, see you all at the stadium on Friday"
    lowered = text.lower()
    assert [r.id for f in FAMILIES for r in f.rules if any(k in lowered for k in r.keywords)] == []
    assert not any(RuleDetector(f).may_fire(text) for f in FAMILIES)


def test_keywords_are_distinctive() -> None:
    # A keyword of one or two characters (or a very common substring) passes the pre-check on almost
    # every post; such rules also need a digit gate. Code operators and Azure's `Q~` marker are rare in prose.
    rare_short = {"==", "!=", "q~", "pw", "-p", "-u"}
    for rule in (r for f in FAMILIES for r in f.rules):
        for keyword in rule.keywords:
            if len(keyword.strip()) <= 2 and keyword.strip() not in rare_short:
                assert rule.min_digits >= 8, f"{rule.id}: keyword {keyword!r} needs a digit gate"
        assert not rule.keywords & {"pat", "pin", "sk", "cio", "-us", "sign", "cred", "iam"} or rule.min_digits, rule.id


def test_url_user_part_is_not_an_email(cred_scanner: Scanner) -> None:
    for text in ("git clone https://ghp_R7kQ2mZx9LpV4tN8wB3cH6jD1fS5gY0aE2uK@github.com/acme/app.git",
                 "mirror: https://jsmith:Xk2mQ9vL@files.acme-logistics.co.uk/pub"):
        report = cred_scanner.scan(text)
        assert [f.type for f in report.findings] == ["CREDENTIAL"]
    (email,) = cred_scanner.scan("write to jsmith@acme-logistics.co.uk today").findings
    assert email.type == "EMAIL_ADDRESS"


def test_discord_id_validator() -> None:
    token_id = base64.b64encode(b"198622483471925248").decode()
    assert cc.is_discord_id(f"{token_id}.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs")
    assert not cc.is_discord_id("MTQqVq82TUbCdHVAtiUrUHMw.RCNxoP.vUaqtRH87HSK7lG6S0faqNGviVL")
    assert not cc.is_discord_id(f"{base64.b64encode(b'1986224834').decode()}.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs")


# -- secrets never leave the finding in plain text ---------------------------------------

SECRET = "ghp_Q7mZ2kLp9xR4tV8cNb1Wd3Fh6Jy0Ks5Ae2Xy"


def test_secret_absent_from_repr_str_and_json(cred_scanner: Scanner) -> None:
    report = cred_scanner.scan(f"my token is {SECRET} do not share")
    (finding,) = [f for f in report.findings if f.type == "CREDENTIAL"]
    outputs = [repr(finding), str(finding), repr(report), str(report), json.dumps(report.to_dict())]
    for out in outputs:
        assert SECRET not in out
        assert SECRET[4:-2] not in out


def test_preview_is_masked_and_fingerprint_salted(cred_scanner: Scanner) -> None:
    report = cred_scanner.scan(f"token {SECRET}")
    (finding,) = [f for f in report.findings if f.type == "CREDENTIAL"]
    assert finding.preview == "ghp_****...Xy"
    assert finding.fingerprint and finding.fingerprint not in SECRET
    other = Scanner(ScannerConfig(ner="never", fingerprint_salt="another-salt")).scan(f"token {SECRET}")
    (again,) = [f for f in other.findings if f.type == "CREDENTIAL"]
    assert again.fingerprint != finding.fingerprint


def test_short_secret_preview_shows_nothing(cred_scanner: Scanner) -> None:
    (finding,) = credentials(cred_scanner, "pw: Tr0ub4dor&3")
    assert finding.preview is not None and set(finding.preview) == {"*"}


# -- filters and validators, one predicate at a time --------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("${DB_PASSWORD}", True), ("$TOKEN", True), ("{{ secret }}", True), ("%API_KEY%", True), ("<token>", True),
    ("[key goes here]", True), ("m{{h}o)p${e]nob(ody", False), ("hunter22", False),
])
def test_template_reference(value: str, expected: bool) -> None:
    assert cc.is_template_reference(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("AKIAXXXXXXXXXXXXXXXX", True), ("xoxb-xxxxxxxxx", True), ("********", True), ("ops_eyJzaWdu..", True),
    ("Tr0ub4dor&3", False),
])
def test_masked(value: str, expected: bool) -> None:
    assert cc.is_masked(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("your_api_key_here", True), ("insert_key_here", True), ("PUT_YOUR_TOKEN_HERE", True),
    ("AKIAIOSFODNN7EXAMPLE", True), ("somefakekey", True), ("password", True), ("Sunshine99", False),
])
def test_instruction_text(value: str, expected: bool) -> None:
    assert cc.is_instruction_text(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("abcdefghijkl", True), ("123456789012", True), ("qwertyuiop", True), ("a1b2c3d4e5f6g7h8i9j0k1l2", True),
    ("sk_abcdefghijklmnopqrstuvwxyz123", True), ("9f8e7d6c5b4a3928", False), ("ghp_Q7mZ2kLp9xR4tV8cNb1W", False),
])
def test_sequential(value: str, expected: bool) -> None:
    assert cc.is_sequential_string(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("aaaaaaaa", True), ("abababababab", True), ("sntryu_" + "a" * 64, True), ("yyy", True),
    ("aaaaaaaaaa1111111111bbbbbbbbbb2222222222", True), ("Qm9iOnNlc3Npb24", False),
])
def test_repeated(value: str, expected: bool) -> None:
    assert cc.is_repeated_string(value) is expected


def test_uuid() -> None:
    assert cc.is_uuid("123e4567-e89b-12d3-a456-426614174000")
    assert not cc.is_uuid("123e4567e89b12d3a456426614174000zz")


@pytest.mark.parametrize(("value", "expected"), [
    ("required", True), ("too short", True), ("NotSet", True), ("hunter22", False), ("Tr0ub4dor&3", False),
    ("whiteduke", False),
])
def test_english_word(value: str, expected: bool) -> None:
    assert cc.is_english_words(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("password is required", True), ("forgot my password", True), ("creating-a-strong-password", True),
    ("correct horse battery", False), ("open sesame", False), ("Password123", False),
])
def test_password_phrase(value: str, expected: bool) -> None:
    assert cc.is_password_phrase(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("var.db_password", True), ("getPassword()", True), ('request.form["password"]', True), ("DB_PASSWORD", True),
    ("/etc/secrets/token", True), ("cms/sites/passwords#edit", True), ("jjwt-jackson-0.11.2", True),
    ("$(cat /run/secret)", True), ("ENC[AES256_GCM,data:abc]", True), ("Xk9#mQ2v", False),
])
def test_code_reference(value: str, expected: bool) -> None:
    assert cc.is_code_reference(value) is expected


def test_jwt_validator() -> None:
    assert cc.is_jwt(JWT)
    assert cc.is_jwt(JWT.rsplit(".", 1)[0])  # header and payload only
    garbage = base64.urlsafe_b64encode(b"not json at all").decode().rstrip("=")
    assert not cc.is_jwt(f"eyJ{garbage}.{garbage}.{garbage}")
    assert not cc.is_jwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ.eyJzdWIiOiIxIn0.abc")  # header cut short


def test_password_like_and_letters_and_digits() -> None:
    assert cc.is_password_like("s3cret!") and cc.is_password_like("pa$$") and not cc.is_password_like("hunter")
    assert cc.has_letters_and_digits("admin123") and not cc.has_letters_and_digits("admin!")


def test_seed_phrase_prose_filter() -> None:
    assert cc.is_prose_sentence("is the one thing you should never share with anyone")
    assert not cc.is_prose_sentence("timber orbit canvas lunar humble fossil kitten velvet margin pepper")


def test_word_list_is_small_data_file() -> None:
    path = Path(default_patterns_dir()) / "lexicons" / cc.WORDS_FILE
    words = cc.english_words()
    assert path.is_file() and 300 <= len(words) <= 3000
    assert all(w == w.lower() and " " not in w for w in words)
