"""Checks a matched value must pass before it is a finding: checksums, structure, and secret-likeness.

A rule names its validators in the pack (``validate = ["github-crc32"]``, a gatecheck extension
of the gitleaks format). Each validator looks at one confirmed match and says whether it can be a
live credential. They run only on the few matches the regexes confirm, never on whole files.

- **Checksums** the providers document: GitHub's and npm's CRC32 in the last six base62
  characters, age's and NATS' checksummed key encodings (bech32, CRC16). A value that fails its
  checksum was never issued, whatever it looks like.
- **Structure**: a JWT's header and payload are JSON (and an expired token no longer grants
  anything, RFC 7519 section 4.1.4); an Azure SAS carries the permissions and expiry (or stored
  policy) every usable SAS needs; a Discord bot token starts with the bot's numeric id.
- **Secret-likeness** for generic rules, which only know a value from the name it is assigned
  to: the value must look random (not a word, an identifier, a path, a template, a hash of
  known format, a date, a sequence or base64-encoded text) and the name must not say it is
  something else (``*_file``, ``*_hash``, ``*_id``, ``test_*``, a pagination token ...).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """What a validator sees of one match: the secret, the whole match and the line it starts on
    (``column`` is where the match starts in ``line``)."""

    secret: bytes
    match: bytes
    line: bytes
    column: int
    #: The id of the rule that matched (a rule's own words in a name are not a reason to doubt it).
    rule_id: str = ""


Validator = Callable[[Candidate], bool]

# ----------------------------------------------------------------------------------- checksums

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int) -> str:
    """``number`` in base62 (digits, then upper case, then lower case), left-padded with zeros."""
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_suffix(body: str) -> str:
    """The six-character checksum GitHub and npm append to a token's 30 random characters."""
    return base62(zlib.crc32(body.encode("ascii")) & 0xFFFFFFFF, 6)


def github_crc32(c: Candidate) -> bool:
    """GitHub's and npm's token format: a four-character prefix (``ghp_``, ``npm_`` ...), 30 random
    base62 characters and a CRC32 of those 30 characters, base62-encoded in six characters.
    Longer variants (GitHub refresh tokens) are not checksummed this way and pass."""
    token = c.secret.decode("ascii", "replace")
    if len(token) != 40:
        return True
    return crc32_suffix(token[4:34]) == token[34:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= generator[i] if (top >> i) & 1 else 0
    return check


def bech32(c: Candidate) -> bool:
    """A bech32 string (BIP-173) whose checksum holds; age writes its secret keys this way, upper
    case, with the human-readable part ``AGE-SECRET-KEY-``."""
    text = c.secret.decode("ascii", "replace").lower()
    sep = text.rfind("1")
    if sep < 1 or len(text) - sep < 7:
        return False
    hrp, data = text[:sep], text[sep + 1:]
    if any(ch not in _BECH32 for ch in data):
        return False
    expanded = [ord(ch) >> 5 for ch in hrp] + [0] + [ord(ch) & 31 for ch in hrp]
    return _bech32_polymod(expanded + [_BECH32.index(ch) for ch in data]) == 1


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = (crc << 1 ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def nats_seed(c: Candidate) -> bool:
    """A NATS NKey seed: base32 of two prefix bytes, a 32-byte ed25519 seed and a little-endian
    CRC16 (XMODEM) of everything before it."""
    text = c.secret.decode("ascii", "replace")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 36:
        return False
    return _crc16_xmodem(raw[:-2]) == int.from_bytes(raw[-2:], "little")


# ----------------------------------------------------------------------------------- structure


def _b64decode(text: str) -> bytes | None:
    """Standard or URL-safe base64, padded or not; None when it is not base64."""
    cleaned = text.strip().rstrip("=")
    if not cleaned or not re.fullmatch(r"[A-Za-z0-9+/_\-]+", cleaned) or len(cleaned) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(cleaned.replace("+", "-").replace("/", "_") + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return None


def _json_object(part: str) -> dict[str, object] | None:
    raw = _b64decode(part)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def jwt(c: Candidate) -> bool:
    """A JSON Web Token (RFC 7519): the header is a JSON object naming a signing algorithm other than
    ``none``, the payload is a JSON object, and the token has not expired (``exp`` in the past: a
    token past its expiry must not be accepted, section 4.1.4)."""
    parts = c.secret.decode("ascii", "replace").split(".")
    if len(parts) != 3:
        return False
    header, payload = _json_object(parts[0]), _json_object(parts[1])
    if header is None or payload is None:
        return False
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        return False
    exp = payload.get("exp")
    return not (isinstance(exp, int | float) and not isinstance(exp, bool) and exp < time.time())


def azure_sas(c: Candidate) -> bool:
    """An Azure shared access signature that can authorize a request: it names its permissions
    (``sp``) and an expiry (``se``) that has not passed, or a stored access policy (``si``) that
    holds them."""
    from urllib.parse import unquote

    query = c.match.decode("latin-1").replace("&amp;", "&")
    fields = {key.lower(): value for key, _, value in
              (part.partition("=") for part in re.split(r"[&?]", query) if "=" in part)}
    if "si" in fields:
        return True
    if "sp" not in fields or "se" not in fields:
        return False
    expiry = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?", unquote(fields["se"]))
    if expiry is None:
        return True  # an expiry we cannot read: keep the finding
    year, month, day, hour, minute = (int(g or 0) for g in expiry.groups())
    try:
        when = time.mktime((year, month, day, hour, minute, 0, 0, 0, 0)) - time.timezone
    except (OverflowError, ValueError):
        return True
    return when > time.time()


def discord_bot_id(c: Candidate) -> bool:
    """A Discord bot token's first part is the bot's user id (a decimal snowflake), base64-encoded."""
    first = c.secret.decode("ascii", "replace").split(".", 1)[0]
    raw = _b64decode(first)
    return raw is not None and raw.isdigit() and 15 <= len(raw) <= 21


def base64_pem_private_key(c: Candidate) -> bool:
    """Base64 of a PEM private key (a Kubernetes secret's ``tls.key``): it decodes to a key block."""
    raw = _b64decode(re.sub(r"\s+", "", c.secret.decode("ascii", "replace")))
    return raw is not None and b"PRIVATE KEY-----" in raw[:80]


def jwt_base64(c: Candidate) -> bool:
    """Base64 of a JWT (``ZXlK...`` is base64 of ``eyJ``): it decodes to a token :func:`jwt` accepts."""
    raw = _b64decode(c.secret.decode("ascii", "replace"))
    if raw is None:
        return False
    token = raw.decode("ascii", "replace").strip()
    return jwt(Candidate(token.encode(), c.match, c.line, c.column, c.rule_id))


def secret_b64(c: Candidate) -> bool:
    """A Kubernetes Secret's base64 value: it decodes to text that passes :func:`password_value`."""
    raw = _b64decode(c.secret.decode("ascii", "replace"))
    if raw is None or not raw or any(b < 32 or b > 126 for b in raw):
        return False
    return password_value(Candidate(raw, c.match, c.line, c.column, c.rule_id))


def not_hex_only(c: Candidate) -> bool:
    """The value is not lower-case hexadecimal: a provider whose keys are base62 never issues one
    that happens to be all hex, while another provider with the same prefix issues exactly that."""
    body = c.secret.decode("ascii", "replace").rsplit("_", 1)[-1]
    return not re.fullmatch(r"[0-9a-f]+", body)


def atlassian_dc_pat(c: Candidate) -> bool:
    """A Jira / Confluence / Bitbucket Data Center personal access token: base64 of ``<id>:<random>``."""
    raw = _b64decode(c.secret.decode("ascii", "replace"))
    return raw is not None and re.match(rb"\d{3,}:", raw) is not None


# ----------------------------------------------------------------------------------- secret-likeness

#: The 160 most frequent letter pairs of English text: words and names are made of them, random
#: strings mostly are not (a random pair of letters is one of these one time in four).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COMMON_BIGRAMS = _words("""
th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri
ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no ct us ac ot il tr ly nc et ut
ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi
ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov
by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt
""")

_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
#: Words people type when they make up a password for an example, a test or a placeholder.
_MADE_UP = ("pass", "word", "secret", "sekret", "admin", "root", "login", "letmein", "welcome", "hello", "demo",
            "default", "master", "qwerty", "asdf", "changeit", "private", "foobar", "something", "dummy", "fake",
            "sample", "example", "testing", "token", "mykey", "apikey", "hunter", "monkey", "dragon", "shadow",
            "gibberish", "value", "string", "random", "super", "insecure", "dontuse", "donotuse", "test")

_HASHED_PASSWORD = re.compile(r"^(?:\$(?:2[abxy]?|1|5|6|7|y|gy|apr1|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|scrypt|sha\d*|md5)"
                              r"\$|\{[A-Z0-9\-]{2,12}\}|pbkdf2_sha\d+\$|bcrypt(?:_sha256)?\$|argon2\$|sha1\$|md5\$)")
_TEMPLATE = re.compile(r"\$\{[A-Za-z_][\w.]*(?:\}|:-|:\?|-)|\{\{\s*[\w.\[\]'\"]+\s*(?:\|[^}]*)?\}\}|\{%.*%\}|%\(\w+\)[sdr]"
                       r"|#\{[\w.]+\}|<%.*%>|\$\([\w\- ]+\)|^\$[A-Za-z_]\w*$|^%[A-Za-z_]+%$|^@[A-Za-z_]\w*$|^<[^<>]*>$"
                       r"|^\[[^\[\]]*\]$|^\{[\w\-. ]*\}$|^[A-Za-z_][\w.]*\(.*\)$")
_CODE_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[A-Za-z_]\w*(?:\[['\"]?\w+['\"]?\])+$|::")
#: Names written as names: snake, kebab or dotted words in one case or title case, CONSTANT_CASE.
_IDENTIFIER = re.compile(r"^[a-z]+(?:[_\-.][a-z]+)+[_\-.]?\d{0,8}$|^[A-Z]?[a-z]+(?:[_\-.][A-Z]?[a-z]+)+[_\-.]?\d{0,8}$"
                         r"|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_PATH = re.compile(r"^(?:\./|\.\./|~/|[A-Za-z]:[\\/]|\\\\)[\w.\-~/\\ ]*$|^/[\w.\-~ ]+/[\w.\-~/ ]*$"
                   r"|^[\w.\-]+(?:/[\w.\-]+)*\.(?:pem|key|crt|cer|der|p12|pfx|jks|json|ya?ml|txt|cfg|conf|ini|env|pub|asc|gpg|sh|py|js|ts|xml|properties|toml|log|db|sqlite"
                   r"|csv|html?|md|rst|lock|tmpl|j2)$", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_DATE_OR_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{2}:\d{2}(?::\d{2})?$|^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$|^\d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_REPEAT = re.compile(r"(.)\1{4,}")
_PLACEHOLDER_CHARS = re.compile(r"^[xX*#.\-_?0]+$|^(?:[xX]{4,}|\*{2,}|#{2,})|(?:[xX]{4,}|\*{3,})$")

#: Name parts that say the value is not a secret but something that sits beside one.
_NOT_SECRET_NAMES = _words("""
file files path paths dir directory folder url uri urls endpoint host hostname name names type types length len size
count hash hashed digest checksum fingerprint cache cached etag verification last used expiry expires expiration
expire expired policy policies field fields param params header headers prefix suffix format pattern regex hint label
prompt placeholder reset required enabled disabled version public publishable test tests testing fake dummy mock
mocked example examples sample samples masked min max minimum maximum encrypted next page pagination continuation
sha sha1 sha256 sha512 md5
cursor marker sync nonce idempotency csrf xsrf lifecycle action description desc template location arn kind mode
length strength policy rotation rotated validator validation provider storage store env var variable column
""")
#: Keys their providers document as public (publishable, client-side): Stripe and Clerk publishable
#: keys, Mapbox public tokens, PostHog project keys.
_PUBLIC_PREFIXES = ("pk_live_", "pk_test_", "pk.eyJ", "phc_")
_SECRET_NAMES = _words("secret password passwd pwd pass passphrase key apikey")


def _name_parts(c: Candidate) -> list[str]:
    """The parts of the name the value is assigned to (``MASKED_TEST_SECRET`` -> masked, test, secret).

    The generic rules' matches start at a keyword inside the name, so the name is read from the
    line: back from the match to the start of the identifier, forward to the assignment."""
    line = c.line.decode("latin-1")
    start = c.column
    while start > 0 and (line[start - 1].isalnum() or line[start - 1] in "_-."):
        start -= 1
    end = c.column
    while end < len(line) and (line[end].isalnum() or line[end] in "_-."):
        end += 1
    name = line[start:end]
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return [p for p in re.split(r"[_\-.]+", name.lower()) if p]


def _word_like(value: str, made_up: bool = True, threshold: float = 0.6, min_pairs: int = 4) -> bool:
    """Whether the value reads as made of words (``superS3cret``, ``otherclient``, ``hunter42``):
    after undoing common letter-for-digit swaps, most of it is letters, and most pairs of letters
    are frequent English pairs or the value holds a word people use for made-up passwords."""
    if made_up and any(word in value.translate(_LEET).lower() for word in _MADE_UP):
        return True
    # The pairs are counted on the letters as written: digits read as letters would make random hex
    # look like words (e, a, s, t, o and l are the commonest letters of English).
    segments = [s.lower() for s in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", value) if len(s) >= 3]
    letters = sum(len(s) for s in segments)
    if letters < 5 or letters < 0.6 * len(value):
        return False
    pairs = [s[i:i + 2] for s in segments for i in range(len(s) - 1)]
    if len(pairs) < min_pairs:
        return False
    common = sum(p in _COMMON_BIGRAMS for p in pairs)
    return common >= threshold * len(pairs)


def _sequence_like(value: str, strict: bool = False) -> bool:
    """Runs of consecutive characters (``abcdef``, ``123456``, ``1bcdefghij2bcdefghij``). ``strict``
    asks for more (a run of six, or most pairs in sequence): short random hex has many neighbours."""
    steps = [abs(ord(b) - ord(a)) == 1 for a, b in itertools.pairwise(value)]
    if strict:
        # Runs in one direction only: "abcdef" and "654321" are sequences, "babcdc" is not.
        deltas = [ord(b) - ord(a) for a, b in itertools.pairwise(value)]
        run = longest = 0
        previous = 0
        for delta in deltas:
            run = run + 1 if abs(delta) == 1 and (run == 0 or delta == previous) else (1 if abs(delta) == 1 else 0)
            previous = delta
            longest = max(longest, run)
        return longest >= 5 or sum(steps) >= 0.6 * len(steps)
    return len(value) > 4 and sum(steps) >= max(4.0, 0.35 * (len(value) - 1))


def _encoded_text(value: str) -> bool:
    """Base64 or hex that decodes to readable text (``eyJmb28iOiAiYmFyIn0=`` is ``{"foo": "bar"}``)."""
    raw: bytes | None = None
    if re.fullmatch(r"(?:[0-9a-f]{2}){6,}|(?:[0-9A-F]{2}){6,}", value):
        raw = bytes.fromhex(value)
    elif len(value) >= 8 and re.fullmatch(r"[A-Za-z0-9+/_\-]+={0,2}", value):
        raw = _b64decode(value)
    if not raw or len(raw) < 6:
        return False
    printable = sum(32 <= b < 127 for b in raw)
    return printable >= 0.95 * len(raw) and re.search(rb"[ {}\":,]|[A-Za-z]{4}", raw) is not None


def _char_classes(value: str) -> int:
    return sum((any(ch.islower() for ch in value), any(ch.isupper() for ch in value),
                any(ch.isdigit() for ch in value), any(not ch.isalnum() for ch in value)))


def looks_random(value: str) -> bool:
    """Whether a value could be a generated secret rather than a placeholder, identifier, path, word,
    template, hashed password, date, version, sequence or encoded text."""
    if len(value) < 8 or len(set(value)) < 6:
        return False
    if value.startswith(("-----", "ssh-")):
        return True  # key material has its own rules; a generic rule must not judge it as a word
    if "\\" in value and not _PATH.match(value):
        return False  # an escape sequence in a source string: the value is longer or shorter than it reads
    if (_PLACEHOLDER_CHARS.search(value) or _REPEAT.search(value) or _TEMPLATE.search(value)
            or _HASHED_PASSWORD.match(value) or _URL.match(value) or _PATH.match(value)
            or _DATE_OR_VERSION.match(value) or _CODE_PATH.match(value) or _IDENTIFIER.match(value)):
        return False
    return not (_sequence_like(value) or _encoded_text(value) or _word_like(value))


def secretlike(c: Candidate) -> bool:
    """The generic rules' test: a random-looking value with at least two kinds of characters (a
    secret-like charset), assigned to a name that does not say it is something other than a secret.
    A UUID counts only under a name that says key, secret or password (tokens named so are
    mostly request, pagination and lifecycle ids)."""
    value = c.secret.decode("utf-8", "replace")
    if _is_a_key(c):
        return False
    parts = _name_parts(c)
    if any(p in _NOT_SECRET_NAMES for p in parts):
        return False
    if "id" in parts and "secret" not in parts:
        return False
    if value.startswith(_PUBLIC_PREFIXES):
        return False
    if _UUID.match(value):
        return any(p in _SECRET_NAMES or p.endswith(("key", "secret", "password")) for p in parts)
    if _char_classes(value) < 2:
        return False
    return looks_random(value)


def password_value(c: Candidate) -> bool:
    """A password in a URL, connection string or ``.netrc``: not a placeholder, template, word,
    identifier or sequence (``some_pass``, ``${DB_PASSWORD}``, ``hunter42``)."""
    value = c.secret.decode("utf-8", "replace")
    if "%" in value:  # URL-encoded: judge what it stands for
        from urllib.parse import unquote

        value = unquote(value)
    return _char_classes(value) >= 2 and looks_random(value)


def _camel_words(value: str) -> bool:
    """Whether most of the value is CamelCase words of four or more letters."""
    words = re.findall(r"[A-Z][a-z]{3,}|[a-z]{4,}", value)
    return sum(len(w) for w in words) >= 0.7 * len(value)


_KEY_AFTER = re.compile(rb"""["'][ \t]*:""")


def _is_a_key(c: Candidate) -> bool:
    """Whether the value is itself followed by ``":`` (a JSON or YAML key, not the value of the name
    before it: ``"...ReadOnly", "SomeOtherPolicyName": ...``)."""
    at = c.line.find(c.secret, c.column)
    return at >= 0 and _KEY_AFTER.match(c.line, at + len(c.secret)) is not None


def basic_auth(c: Candidate) -> bool:
    """HTTP Basic credentials (RFC 7617): base64 of ``user:password`` whose password passes
    :func:`password_value` (``Basic dXNlcjpwYXNz`` is ``user:pass``, a placeholder)."""
    raw = _b64decode(c.secret.decode("ascii", "replace"))
    if raw is None or b":" not in raw:
        return False
    password = raw.split(b":", 1)[1]
    return bool(password) and password_value(Candidate(password, c.match, c.line, c.column))


#: Name parts that say a provider's value is an identifier or a setting beside its key, not the key.
_PROVIDER_NOT_SECRET_NAMES = _words("""
id ids url uri urls host hostname endpoint region site domain user username email project org organization account
name names path file dir port version public publishable search hash checksum digest sha sha1 sha256 md5
fingerprint example sample dummy fake placeholder channel tenant
""")


def not_placeholder(c: Candidate) -> bool:
    """For keyword-anchored provider rules: the name is not one of an identifier beside the key
    (``HEROKU_APP_ID``, ``ALGOLIA_SEARCH_API_KEY``, ``CLOUDFLARE_ZONE_ID``) and the value is not a run
    of one character, a sequence or a word-like made-up value (``xxxxxxxx...``, ``abcdef0123...``,
    ``your_api_key_here``)."""
    own = set(c.rule_id.split("-"))
    parts = [p for p in _name_parts(c) if p not in own]
    if any(p in _PROVIDER_NOT_SECRET_NAMES for p in parts) and not ("id" in parts and "secret" in parts):
        return False
    if _is_a_key(c):
        return False
    value = c.secret.decode("utf-8", "replace")
    return not (_PLACEHOLDER_CHARS.search(value) or _REPEAT.search(value) or _sequence_like(value, strict=True)
                or _IDENTIFIER.match(value)
                # Placeholders and names are written in one case ("yourapikeyhere", "INSERT_KEY") or in
                # CamelCase words ("AwsDataExchangeReadOnly"); a mixed-case value whose case changes
                # every letter or two is generated, whatever letters it happens to hold.
                or ((value == value.lower() or value == value.upper() or _camel_words(value))
                    and _word_like(value, made_up=False, threshold=0.72, min_pairs=6)))


_FILLER = re.compile(r"(.)\1{5,}|[xX]{4,}|\*{4,}|<[A-Za-z_\- ]+>|\.\.\.")


def no_filler(c: Candidate) -> bool:
    """For prefixed formats: the part after the prefix is not filled in (``ghp_xxxx...``,
    ``pat-na1-00000000-0000-...``, ``sk_live_...``, ``<your-key>``): six equal characters in a row or
    four x's never occur in an issued key but always in a placeholder."""
    return _FILLER.search(c.secret.decode("latin-1")) is None


VALIDATORS: dict[str, Validator] = {
    "github-crc32": github_crc32,
    "bech32": bech32,
    "nats-seed": nats_seed,
    "jwt": jwt,
    "azure-sas": azure_sas,
    "discord-bot-id": discord_bot_id,
    "base64-pem-private-key": base64_pem_private_key,
    "not-hex-only": not_hex_only,
    "atlassian-dc-pat": atlassian_dc_pat,
    "secretlike": secretlike,
    "password-value": password_value,
    "basic-auth": basic_auth,
    "jwt-base64": jwt_base64,
    "secret-b64": secret_b64,
    "not-placeholder": not_placeholder,
    "no-filler": no_filler,
}
