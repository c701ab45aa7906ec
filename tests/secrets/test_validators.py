"""The checks a match must pass before it is a finding: checksums, structure and secret-likeness, and
the issue-17 cases they silence (placeholders, paths, documentation examples, a ``.netrc`` capture
that ran past the value) while a real-looking secret is still found in a test file."""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest

from gatecheck_plugins.secrets.matcher import Engine
from gatecheck_plugins.secrets.rules import builtin_rules
from gatecheck_plugins.secrets.validators import (
    _BECH32,
    Candidate,
    _bech32_polymod,
    _crc16_xmodem,
    azure_sas,
    bech32,
    crc32_suffix,
    github_crc32,
    jwt,
    looks_random,
    nats_seed,
    secretlike,
)

ALNUM = string.ascii_letters + string.digits


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(builtin_rules(), "hyperscan")


def cand(secret: str, line: str | None = None) -> Candidate:
    text = line if line is not None else secret
    column = text.find(secret) if line is None else 0
    return Candidate(secret.encode(), text.encode(), text.encode(), max(column, 0))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_github_crc32_accepts_the_documented_checksum_and_nothing_else() -> None:
    rng = random.Random(3)
    for _ in range(50):
        body = "".join(rng.choice(ALNUM) for _ in range(30))
        token = "ghp_" + body + crc32_suffix(body)
        assert github_crc32(cand(token))
        broken = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert not github_crc32(cand(broken))
    # The checksum is of the 30 random characters, not of the prefix: the same body under npm_ holds too.
    assert github_crc32(cand("npm_" + body + crc32_suffix(body)))


def test_crc32_suffix_is_base62_with_leading_zeros() -> None:
    assert crc32_suffix("") == "000000"  # crc32 of nothing is 0
    assert len({crc32_suffix(str(i)) for i in range(200)}) == 200
    assert all(len(crc32_suffix(str(i))) == 6 for i in range(200))


def _bech32_encode(hrp: str, data: list[int]) -> str:
    values = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp] + data
    polymod = _bech32_polymod([*values, 0, 0, 0, 0, 0, 0]) ^ 1
    return hrp + "1" + "".join(_BECH32[d] for d in data + [(polymod >> 5 * (5 - i)) & 31 for i in range(6)])


def test_bech32_checks_age_keys() -> None:
    rng = random.Random(5)
    key = _bech32_encode("age-secret-key-", [rng.randrange(32) for _ in range(52)]).upper()
    assert bech32(cand(key))
    flipped = key[:-3] + ("Q" if key[-3] != "Q" else "P") + key[-2:]
    assert not bech32(cand(flipped))


def test_nats_seed_crc16() -> None:
    raw = bytes([0x90, 0xA0]) + bytes(range(32))
    seed = base64.b32encode(raw + _crc16_xmodem(raw).to_bytes(2, "little")).decode().rstrip("=")
    assert seed.startswith("S")
    assert nats_seed(cand(seed))
    bad = base64.b32encode(raw + b"\x00\x00").decode().rstrip("=")
    assert not nats_seed(cand(bad))


def test_jwt_structure_and_expiry() -> None:
    header = b64u(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    live = b64u(json.dumps({"sub": "svc", "exp": 4102444800}).encode())
    expired = b64u(json.dumps({"sub": "svc", "exp": 1500000000}).encode())
    unsigned = b64u(json.dumps({"alg": "none"}).encode())
    sig = b64u(bytes(range(64)))
    assert jwt(cand(f"{header}.{live}.{sig}"))
    assert not jwt(cand(f"{header}.{expired}.{sig}"))
    assert not jwt(cand(f"{unsigned}.{live}.{sig}"))
    assert not jwt(cand(f"eyJhbGciOiJIUzI1NiJ9garbage.{live}.{sig}"))


def test_azure_sas_needs_permissions_and_expiry_or_a_stored_policy() -> None:
    sig = "sig=" + "A" * 43 + "%3D"
    assert azure_sas(cand(sig, f"?sv=2022-11-02&sp=r&se=2030-01-01T00:00:00Z&sr=b&{sig}"))
    assert azure_sas(cand(sig, f"?sv=2022-11-02&si=readpolicy&sr=c&{sig}"))
    # a documentation fragment without sp/se/si cannot authorize anything
    assert not azure_sas(cand(sig, f"sv=2021-06-08&amp;sr=c&amp;{sig}"))
    # one whose expiry has passed cannot either (botocore documents one that expired in 2023)
    assert not azure_sas(cand(sig, f"sp=r&amp;se=2023-12-20T22:54:52Z&amp;sv=2021-06-08&amp;sr=c&amp;{sig}"))


def test_random_values_look_random_and_made_up_ones_do_not() -> None:
    rng = random.Random(11)
    alphabets = [ALNUM, ALNUM + "+/", "0123456789abcdef", ALNUM + "!@#$%^&*-_=+"]
    samples = ["".join(rng.choice(a) for _ in range(rng.choice((16, 24, 32, 40)))) for a in alphabets for _ in range(500)]
    rejected = sum(not looks_random(s) for s in samples)
    assert rejected <= 0.02 * len(samples), rejected
    made_up = ["superS3cret", "otherclient1", "hunter42", "iWishIWereCoolEnoughForRoot!", "MySekretPa$$word",
               "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "DO_NOT_LOG_UNREACHABLE_ITEM", "FORBIDDEN_VALUE2",
               "/tmp/inventory-cloudj9cGz5/identity", "certs/server.key", "${DB_PASSWORD}", "{{ vault_pw }}",
               "%(password)s", "<your-password>", "process.env.PASSWORD", "2016-09-08T21:47:36Z",
               "$2b$12$ujYVRD9v9z87lpvLqeWNuOFDI4QzSSYHoRyYydW6XK4.kgqfwOXzO", "eyJmb28iOiAiYmFyIn0=",
               "1bcdefghij2bcdefghij3bcdefghij4bcdefghij", "xxxxxxxxxxxxxxxx", "********"]
    assert [v for v in made_up if looks_random(v)] == []


def test_generic_names_that_say_something_else() -> None:
    value = "Kq8vN2xLp4RtZ7wB"
    assert secretlike(cand(value, f'api_secret = "{value}"'))
    for name in ("token_cache_key", "PasswordLastUsed", "VerificationToken", "MASKED_TEST_SECRET", "next_page_token",
                 "ssh_private_key_file", "public_key", "secret_name"):
        line = f'{name} = "{value}"'
        assert not secretlike(Candidate(value.encode(), line.encode(), line.encode(), 0)), name


ISSUE_17_SILENT = {
    # ansible's no_log marker and other placeholders
    "ansible_basic_tests.ps1": 'password2 = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"\n',
    "tasks/no_log.yml": "    password: DO_NOT_LOG_UNREACHABLE_ITEM\n",
    # django's form tests
    "tests/auth_tests/test_forms.py": '            "password1": "otherclient",\n',
    # a file path in YAML
    "tasks/add_host.yml": '        ansible_ssh_private_key_file: "/tmp/inventory-cloudj9cGz5/identity"\n',
    # requests' .netrc test: the value is "pass", the "\\n" after it is an escape in the Python string
    "tests/test_utils.py": '        f.write("machine example.com login user password pass\\ndefault\\n")\n',
    # flask's documentation of SECRET_KEY, generated by secrets.token_hex() for the example
    "docs/config.rst": "   SECRET_KEY = '192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf'\n",
    # django's documentation of DATABASES
    "docs/topics/db/multi-db.txt": '        "PASSWORD": "superS3cret",\n',
    # sqlalchemy's documentation of URL escaping
    "doc/build/core/engines.rst": '    postgresql+pg8000://dbuser:kx%40jj5%2Fg@pghost10/appdb\n',
    # a bcrypt hash is not a password
    "plugins/filter/password_hash.yml":
        '  # admin_password_hash => "$2b$12$ujYVRD9v9z87lpvLqeWNuOFDI4QzSSYHoRyYydW6XK4.kgqfwOXzO"\n',
    # base64 of readable text, and JSON, under a token name
    "tests/unit/test_auth_bearer.py": '    "token": "eW91J3JlIG5vdCBzdXBwb3NlZCB0byBkZWNvZGUgdGhpcyE=",\n',
    # a UUID lifecycle token and an AWS timestamp under password names
    "data/examples.json":
        '  "LifecycleActionToken": "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635",\n  "PasswordLastUsed": "2016-09-08T21:47:36Z",\n',
    # documented public example keys
    "docs/aws.py":
        'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\nAWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n',
    "web/maps.js": 'const apiKey = "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe";\n',
    # scrapy's S3 signing tests: the S3 Developer Guide's example key pair (found on scrapy 2.12.0)
    "tests/test_downloader_handlers.py":
        '    AWS_ACCESS_KEY_ID = "0PN5J17HBGZHT7JJ3X82"\n'
        '    AWS_SECRET_ACCESS_KEY = "uV3F3YluFJax1cknvbcGwgjvx4QpvB+leU8dUj2o"\n',
}


@pytest.mark.parametrize("path", sorted(ISSUE_17_SILENT))
def test_issue_17_false_alarms_are_silent(engine: Engine, path: str) -> None:
    found = [m.rule.id for m in engine.scan(path, ISSUE_17_SILENT[path].encode(), dedupe=False)]
    assert found == []


def test_a_real_looking_secret_in_a_test_file_is_still_found(engine: Engine, tmp_path: Path) -> None:
    rng = random.Random(17)
    password = "".join(rng.choice(ALNUM + "!#%") for _ in range(20))
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    token = "ghp_" + body + crc32_suffix(body)
    text = f'DB_PASSWORD = "{password}"\nGITHUB_TOKEN = "{token}"\n'.encode()
    found = {(m.rule.id, m.secret) for m in engine.scan("tests/test_deploy.py", text)}
    assert ("generic-password-assignment", password.encode()) in found
    assert ("github-pat", token.encode()) in found


def test_netrc_capture_ends_at_the_value(engine: Engine) -> None:
    rng = random.Random(23)
    password = "".join(rng.choice(ALNUM) for _ in range(16))
    for text in (f"machine api.internal login deploy password {password}\n",
                 f'netrc.write("machine api.internal login deploy password {password}\\ndefault\\n")\n',
                 f"machine api.internal login deploy password {password}"):
        secrets = [m.secret for m in engine.scan(".netrc", text.encode()) if m.rule.id == "netrc-password"]
        assert secrets == [password.encode()], text
