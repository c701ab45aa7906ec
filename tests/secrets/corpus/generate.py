# ruff: noqa: E501  # a table of file templates: one sample shape per line reads better than wrapped strings
"""Generate the labelled secrets corpus (``corpus.jsonl`` beside this file).

    python tests/secrets/corpus/generate.py          # rewrite corpus.jsonl (deterministic)

Every credential here is fabricated: random characters in the shape each provider documents
(prefix, length, alphabet, checksum or structure), made with a fixed seed. None was issued by a
provider and none grants access to anything.

Each sample is one file: ``{"id", "family", "rule", "label", "kind", "path", "text", "value"}``.

- **positives** (``label: "positive"``): for every rule, three values in three of the ways code
  holds a credential (a Python assignment, a ``.env`` line, YAML, JSON, JavaScript, a shell
  export, or the rule's own file format: a key file, a connection string, an ``.npmrc``).
  ``value`` is the credential the scanner must report; a positive counts as found when a
  finding's secret is exactly that value.
- **negatives** (``label: "negative"``): for every rule, the same shape as a placeholder
  (``ghp_xxxx...``), an environment reference (``os.environ["GITHUB_TOKEN"]``), a value too short
  for the format, a failed checksum or structure where the format has one, and the example keys
  providers document as public; plus hard negatives of no family (``family: "hard-negative"``):
  hashes and digests, UUIDs, base64 blobs, public keys and certificates, test fixtures,
  placeholders and identifiers under secret-like names.

``bench/secrets_quality.py`` scans every sample with the built-in pack and prints recall and the
false-alarm rate per family and overall; ``tests/secrets/test_corpus.py`` holds the pack to them.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus.jsonl"
SEED = 18

ALPHABETS = {
    "A": string.ascii_letters + string.digits,
    "a": string.ascii_lowercase + string.digits,
    "U": string.ascii_uppercase + string.digits,
    "h": "0123456789abcdef",
    "H": "0123456789ABCDEF",
    "d": string.digits,
    "u": string.ascii_letters + string.digits + "_-",
    "b": string.ascii_letters + string.digits + "+/",
    "l": string.ascii_lowercase,
    "L": string.ascii_letters,
    "B": string.ascii_uppercase + "234567",
    "c": string.ascii_lowercase + "234567",
}
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_TOKEN = re.compile(r"\{([A-Za-z]):(\d+)(?:-(\d+))?\}|\{(uuid|UUID|gh)\}")

rng = random.Random(SEED)


def chars(alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def crc32_suffix(body: str) -> str:
    """GitHub's and npm's checksum: CRC32 of the 30 random characters, base62, six characters."""
    number = zlib.crc32(body.encode()) & 0xFFFFFFFF
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(6, "0")


def fill(template: str, mode: str = "random") -> str:
    """Expand ``{A:36}``-style tokens: random characters (``random``), ``x`` placeholders (``placeholder``),
    or too few characters for the format (``short``)."""

    def one(m: re.Match[str]) -> str:
        if m.group(4):
            kind = m.group(4)
            if kind in ("uuid", "UUID"):
                if mode == "placeholder":
                    return "00000000-0000-0000-0000-000000000000"
                if mode == "short":
                    return chars("0123456789abcdef", 8)
                value = "-".join(chars("0123456789abcdef", n) for n in (8, 4, 4, 4, 12))
                return value.upper() if kind == "UUID" else value
            body = chars(ALPHABETS["A"], 30) if mode != "placeholder" else "x" * 30
            return body + crc32_suffix(body) if mode == "random" else body[:12] if mode == "short" else body + "xxxxxx"
        cls, low = m.group(1), int(m.group(2))
        high = int(m.group(3) or low)
        if mode == "placeholder":
            return ("X" if cls in "UHB" else "x") * low
        if mode == "short":
            return chars(ALPHABETS[cls], max(1, low // 5))
        return chars(ALPHABETS[cls], rng.randint(low, min(high, low + 40)))

    return _TOKEN.sub(one, template)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def password(n: int | None = None) -> str:
    """A generated password: letters, digits and punctuation that survive URLs and quoting."""
    size = n or rng.randint(14, 24)
    while True:
        value = chars(ALPHABETS["A"] + "!#%^*_-+=~", size)
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def jwt(exp: int = 4102444800, alg: str = "HS256") -> str:
    header = b64u(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64u(json.dumps({"sub": chars(ALPHABETS["a"], 12), "iat": 1767225600, "exp": exp}).encode())
    return f"{header}.{payload}.{b64u(rng.randbytes(32 if alg.startswith('HS') else 64))}"


def pem(label: str, lines: int = 12) -> str:
    body = "\n".join(chars(ALPHABETS["b"], 64) for _ in range(lines)) + "\n" + chars(ALPHABETS["b"], 40) + "=="
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


def age_key() -> str:
    data = [rng.randrange(32) for _ in range(52)]
    hrp = "age-secret-key-"
    values = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp] + data
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in [*values, 0, 0, 0, 0, 0, 0]:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    polymod = chk ^ 1
    return (hrp + "1" + "".join(_BECH32[d] for d in data + [(polymod >> 5 * (5 - i)) & 31 for i in range(6)])).upper()


def nats_seed(kind: str = "U") -> str:
    """An NKey seed: base32 of the seed prefix bytes, 32 random bytes and a CRC16 (XMODEM)."""
    prefix = 18 << 3  # 'S'
    types = {"U": 20 << 3, "A": 0, "O": 14 << 3}
    b1 = prefix | (types[kind] >> 5)
    b2 = (types[kind] & 31) << 3
    raw = bytes([b1, b2]) + rng.randbytes(32)
    crc = 0
    for byte in raw:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return base64.b32encode(raw + crc.to_bytes(2, "little")).decode().rstrip("=")


def discord_token() -> str:
    user_id = str(rng.randrange(10**17, 10**19))
    return f"{b64(user_id.encode()).rstrip('=')}.{chars(ALPHABETS['u'], 6)}.{chars(ALPHABETS['u'], 38)}"


def wireguard() -> str:
    key = bytearray(rng.randbytes(32))
    key[0] &= 248
    key[31] = (key[31] & 127) | 64
    return b64(bytes(key))


def basic(user: str = "deploy") -> str:
    return b64(f"{user}:{password()}".encode())


def b64_pem() -> str:
    return b64(pem("RSA PRIVATE KEY", 6).encode())


# ----------------------------------------------------------------------------------- contexts

Render = Callable[[str, str], tuple[str, str]]


def _camel(name: str) -> str:
    parts = name.lower().split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


CONTEXTS: dict[str, Render] = {
    "py": lambda n, v: ("app/settings.py", f'{n} = "{v}"\n'),
    "env": lambda n, v: (".env", f"{n}={v}\n"),
    "yaml": lambda n, v: ("config/app.yaml", f'service:\n  {n.lower()}: "{v}"\n'),
    "json": lambda n, v: ("config/app.json", json.dumps({n.lower(): v}, indent=2) + "\n"),
    "js": lambda n, v: ("src/client.js", f"const {_camel(n)} = '{v}';\n"),
    "sh": lambda n, v: ("scripts/deploy.sh", f'export {n}="{v}"\n'),
    "toml": lambda n, v: ("config/app.toml", f'{n.lower()} = "{v}"\n'),
    "go": lambda n, v: ("internal/config/config.go", f'\t{_camel(n)} := "{v}"\n'),
    "java": lambda n, v: ("src/main/java/Config.java", f'    private static final String {n} = "{v}";\n'),
    "php": lambda n, v: ("config/app.php", f"define('{n}', '{v}');\n"),
    "ruby": lambda n, v: ("config/initializers/keys.rb", f"  {n.lower()}: '{v}',\n"),
    "csharp": lambda n, v: ("src/Settings.cs", f'        var {_camel(n)} = "{v}";\r\n'),
    "docker": lambda n, v: ("Dockerfile", f"ENV {n}={v}\n"),
    "properties": lambda n, v: ("src/main/resources/application.properties", f"{n.lower().replace('_', '.')}={v}\n"),
    "actions": lambda n, v: (".github/workflows/ci.yml", f"    env:\n      {n}: {v}\n"),
    "setdefault": lambda n, v: ("app/boot.py", f'os.environ.setdefault("{n}", "{v}")\n'),
    "xml": lambda n, v: ("app.config", f'    <add key="{_camel(n)}" value="{v}" />\n'),
    "tf": lambda n, v: ("terraform/main.tf", f'  {n.lower()} = "{v}"\n'),
    "eof": lambda n, v: ("deploy/.env.production", f"{n}={v}"),
}
DEFAULT_ORDER = tuple(CONTEXTS)


@dataclass
class Shape:
    """How one rule's credential looks (``value``: a template or a maker) and how code holds it."""

    value: str | Callable[[], str]
    name: str = "API_TOKEN"
    #: (path, line template with {v}) pairs; default: the assignment contexts above, with ``name``.
    contexts: list[tuple[str, str]] = field(default_factory=list)
    #: What to put where the value goes for the placeholder negative (default: the template's x-fill).
    placeholder: str | None = None
    #: A value of the right shape that the format's checksum or structure rejects.
    invalid: Callable[[], str] | None = None
    #: Positives are file names, not text (path-only rules).
    paths: list[str] = field(default_factory=list)

    def make(self, mode: str = "random") -> str:
        if callable(self.value):
            return self.value() if mode == "random" else ""
        return fill(self.value, mode)


def S(value: str | Callable[[], str], name: str = "API_TOKEN", **kw: object) -> Shape:
    return Shape(value, name, **kw)  # type: ignore[arg-type]


def C(value: str | Callable[[], str], *contexts: tuple[str, str], **kw: object) -> Shape:
    return Shape(value, "", list(contexts), **kw)  # type: ignore[arg-type]


def bad_gh(prefix: str) -> Callable[[], str]:
    return lambda: prefix + chars(ALPHABETS["A"], 36)


UUID_T = "{uuid}"
PW = password
STORAGE = "DefaultEndpointsProtocol=https;AccountName=acmeorders;AccountKey={v};EndpointSuffix=core.windows.net"

SHAPES: dict[str, Shape] = {
    # ---------------------------------------------------------------- aws
    "aws-access-key-id": S("AKIA{B:16}", "AWS_ACCESS_KEY_ID", placeholder="AKIAXXXXXXXXXXXXXXXX"),
    "aws-secret-access-key": S("{b:40}", "AWS_SECRET_ACCESS_KEY"),
    "aws-session-token": S("IQoJb3JpZ2luX2Vj{b:300}", "AWS_SESSION_TOKEN"),
    "aws-mws-auth-token": S("amzn.mws.{uuid}", "MWS_AUTH_TOKEN"),
    "aws-bedrock-api-key": S("ABSK{b:120}", "BEDROCK_API_KEY"),
    "aws-cognito-client-secret": S("{a:52}", "COGNITO_CLIENT_SECRET"),
    "aws-appsync-api-key": S("da2-{a:26}", "APPSYNC_API_KEY"),
    "amazon-lwa-client-secret": S("amzn1.oa2-cs.v1.{h:64}", "LWA_CLIENT_SECRET"),
    "amazon-lwa-refresh-token": S("Atzr|{u:300}", "LWA_REFRESH_TOKEN"),
    # ---------------------------------------------------------------- google
    "gcp-api-key": S("AIza{u:35}", "GOOGLE_MAPS_API_KEY"),
    "gcp-service-account-private-key-id": C("{h:40}", ("keys/sa.json", '{{"type": "service_account", "project_id": "acme", "private_key_id": "{v}"}}\n')),
    "gcp-oauth-client-secret": S("GOCSPX-{u:28}", "GOOGLE_CLIENT_SECRET"),
    "google-oauth-access-token": S("ya29.{u:120}", "GOOGLE_ACCESS_TOKEN"),
    "google-oauth-refresh-token": S("1//0{u:90}", "GOOGLE_REFRESH_TOKEN"),
    "firebase-cloud-messaging-server-key": S("AAAA{u:7}:APA91{u:134}", "FCM_SERVER_KEY"),
    "gcp-service-account-email-with-key": S("GOOG1{U:56}", "GCS_HMAC_ACCESS_ID"),
    "firebase-database-secret": S("{A:40}", "FIREBASE_DATABASE_SECRET"),
    "google-recaptcha-secret-key": S("6L{u:38}", "RECAPTCHA_SECRET_KEY"),
    # ---------------------------------------------------------------- microsoft
    "azure-storage-account-key": C("{b:86}==", ("app/storage.py", f'CONN = "{STORAGE}"\n'), (".env", f"AZURE_STORAGE_CONNECTION_STRING={STORAGE}\n"),
                                   ("appsettings.json", f'{{"Storage": "{STORAGE}"}}\n')),
    "azure-sas-token": C("{A:43}%3D", ("app/blob.py", 'URL = "https://acme.blob.core.windows.net/c/f.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&spr=https&sig={v}"\n'),
                         (".env", "BLOB_SAS=sv=2022-11-02&sr=c&si=readers&sig={v}\n"),
                         ("deploy.sh", 'curl "https://acme.blob.core.windows.net/c?sp=rl&st=2025-01-01&se=2031-01-01&sv=2022-11-02&sr=c&sig={v}"\n')),
    "azure-ad-client-secret": S("{A:3}{d:1}Q~{A:34}", "AZURE_CLIENT_SECRET"),
    "azure-devops-pat": S("{A:76}AZDO{A:4}", "AZDO_PAT"),
    "azure-devops-pat-legacy": S("{c:52}", "AZURE_DEVOPS_PAT"),
    "azure-service-bus-key": C("{b:43}=", ("app/bus.py", 'CONN = "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={v}"\n'),
                               (".env", "SERVICEBUS=Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={v}\n"),
                               ("local.settings.json", '{{"Values": {{"Bus": "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey={v}"}}}}\n')),
    "azure-cosmosdb-key": C("{b:86}==", ("app/db.py", 'CONN = "AccountEndpoint=https://acme.documents.azure.com:443/;AccountKey={v};"\n'),
                            (".env", "COSMOS=AccountEndpoint=https://orders.documents.azure.com:443/;AccountKey={v};\n"),
                            ("appsettings.json", '{{"Cosmos": "AccountEndpoint=https://a.documents.azure.com:443/;AccountKey={v}"}}\n')),
    "azure-app-configuration-secret": C("{b:43}=", ("app/cfg.py", 'CONN = "Endpoint=https://acme.azconfig.io;Id=Ab12-l0-s0:{{x}};Secret={v}"\n'.replace("{{x}}", "kQ2z9Fq3Lm")),
                                        (".env", "APPCONFIG=Endpoint=https://orders.azconfig.io;Id=Zx9-l1-s0:p0Q8rT;Secret={v}\n"),
                                        ("appsettings.json", '{{"AppConfig": "Endpoint=https://c.azconfig.io;Id=q1-l0-s0:a;Secret={v}"}}\n')),
    "azure-signalr-access-key": C("{b:43}=", ("app/hub.py", 'CONN = "Endpoint=https://acme.service.signalr.net;AccessKey={v};Version=1.0;"\n'),
                                  (".env", "SIGNALR=Endpoint=https://chat.service.signalr.net;AccessKey={v};Version=1.0;\n"),
                                  ("appsettings.json", '{{"PubSub": "Endpoint=https://p.webpubsub.azure.com;AccessKey={v};Version=1.0;"}}\n')),
    "azure-openai-key": S("{h:32}", "AZURE_OPENAI_API_KEY"),
    "azure-functions-key": C("{u:54}==", ("app/hook.py", 'URL = "https://acme-fn.azurewebsites.net/api/orders?code={v}"\n'),
                             (".env", "FN_URL=https://orders.azurewebsites.net/api/HttpTrigger1?clientId=default&code={v}\n"),
                             ("hooks.json", '{{"url": "https://x.azurewebsites.net/api/sync?code={v}"}}\n')),
    "azure-cognitive-services-key": S("{h:32}", "AZURE_SPEECH_KEY"),
    "azure-redis-access-key": C("{b:43}=", ("app/cache.py", 'REDIS = "acme.redis.cache.windows.net:6380,password={v},ssl=True,abortConnect=False"\n'),
                                (".env", "REDIS_CONN=orders.redis.cache.windows.net:6380,password={v},ssl=True\n"),
                                ("appsettings.json", '{{"Redis": "c.redis.cache.windows.net,password={v}"}}\n')),
    "azure-communication-connection-string": C("{b:86}==", ("app/sms.py", 'CONN = "endpoint=https://acme.communication.azure.com/;accesskey={v}"\n'),
                                               (".env", "ACS=endpoint=https://orders.communication.azure.com/;accesskey={v}\n"),
                                               ("appsettings.json", '{{"Acs": "endpoint=https://a.communication.azure.com/;accesskey={v}"}}\n')),
    "azure-event-grid-key": S("{b:43}=", "EVENT_GRID_KEY"),
    "azure-search-admin-key": S("{A:52}", "AZURE_SEARCH_ADMIN_KEY"),
    "azure-logic-apps-sas-url": C("https://prod-12.westeurope.logic.azure.com:443/workflows/{h:32}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={u:43}",
                                  ("app/notify.py", 'WEBHOOK = "{v}"\n'), (".env", "FLOW_URL={v}\n"), ("alerts.json", '{{"url": "{v}"}}\n')),
    "microsoft-teams-webhook": C("https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/{h:32}/{uuid}",
                                 ("app/notify.py", 'TEAMS_WEBHOOK = "{v}"\n'), (".env", "TEAMS_URL={v}\n"), ("alerts.yaml", "teams: {v}\n")),
    # ---------------------------------------------------------------- github
    "github-pat": S("ghp_{gh}", "GITHUB_TOKEN", invalid=bad_gh("ghp_")),
    "github-oauth": S("gho_{gh}", "GH_OAUTH_TOKEN", invalid=bad_gh("gho_")),
    "github-user-to-server": S("ghu_{gh}", "GH_USER_TOKEN", invalid=bad_gh("ghu_")),
    "github-app-installation": S("ghs_{gh}", "GH_INSTALLATION_TOKEN", invalid=bad_gh("ghs_")),
    "github-refresh-token": S("ghr_{gh}", "GH_REFRESH_TOKEN", invalid=bad_gh("ghr_")),
    "github-fine-grained-pat": S("github_pat_{A:22}_{A:59}", "GH_TOKEN"),
    "github-oauth-client-secret": S("{h:40}", "GITHUB_CLIENT_SECRET"),
    # ---------------------------------------------------------------- gitlab
    "gitlab-pat": S("glpat-{u:20}", "GITLAB_TOKEN"),
    "gitlab-deploy-token": S("gldt-{u:20}", "GITLAB_DEPLOY_TOKEN"),
    "gitlab-pipeline-trigger-token": S("glptt-{h:40}", "TRIGGER_TOKEN"),
    "gitlab-runner-auth-token": S("glrt-{u:20}", "RUNNER_TOKEN"),
    "gitlab-runner-registration-token": S("GR1348941{u:20}", "REGISTRATION_TOKEN"),
    "gitlab-ci-build-token": S("glcbt-{h:2}_{u:20}", "CI_BUILD_TOKEN"),
    "gitlab-feed-token": S("glft-{u:20}", "FEED_TOKEN"),
    "gitlab-incoming-mail-token": S("glimt-{u:25}", "INCOMING_MAIL_TOKEN"),
    "gitlab-agent-token": S("glagent-{u:50}", "AGENT_TOKEN"),
    "gitlab-oauth-app-secret": S("gloas-{u:64}", "GITLAB_APP_SECRET"),
    "gitlab-scim-token": S("glsoat-{u:20}", "SCIM_TOKEN"),
    "gitlab-feature-flags-client-token": S("glffct-{u:20}", "UNLEASH_INSTANCE_TOKEN"),
    "gitlab-deploy-token-url": C("{u:20}", ("requirements.yml", "- src: git+https://gitlab+deploy-token-{d:6}:{v}@gitlab.com/acme/roles.git\n".replace("{d:6}", "312644")),
                                 ("app/fetch.py", 'REPO = "https://gitlab+deploy-token-77:{v}@gitlab.acme.io/ops/infra.git"\n'),
                                 (".gitmodules", "  url = https://gitlab+deploy-token-9:{v}@gitlab.example.org/a/b.git\n")),
    "gitlab-session-cookie": C("{h:32}", ("scripts/scrape.sh", 'curl -b "_gitlab_session={v}" https://gitlab.acme.io/api/v4/user\n'),
                               ("app/client.py", 'COOKIES = "_gitlab_session={v}; path=/"\n'), ("notes.txt", "cookie: _gitlab_session={v}\n")),
    # ---------------------------------------------------------------- atlassian
    "atlassian-api-token": S("ATATT3{u:180}={H:8}", "JIRA_API_TOKEN"),
    "atlassian-api-token-legacy": S("{A:24}", "JIRA_API_TOKEN"),
    "bitbucket-app-password": S("ATBB{A:32}", "BITBUCKET_APP_PASSWORD"),
    "bitbucket-access-token": S("ATCTT3{u:180}={H:8}", "BITBUCKET_ACCESS_TOKEN"),
    "bitbucket-client-secret": S("{A:32}", "BITBUCKET_CLIENT_SECRET"),
    "trello-token": S("ATTA{h:64}{H:8}", "TRELLO_TOKEN"),
    "trello-api-key-secret": S("{h:64}", "TRELLO_SECRET"),
    "statuspage-api-key": S(UUID_T, "STATUSPAGE_API_KEY"),
    # ---------------------------------------------------------------- slack and chat
    "slack-bot-token": S("xoxb-{d:12}-{d:13}-{A:24}", "SLACK_BOT_TOKEN"),
    "slack-user-token": S("xoxp-{d:12}-{d:12}-{d:13}-{h:32}", "SLACK_USER_TOKEN"),
    "slack-app-token": S("xapp-1-A{U:10}-{d:13}-{h:64}", "SLACK_APP_TOKEN"),
    "slack-config-token": S("xoxe.xoxp-1-{A:160}", "SLACK_CONFIG_TOKEN"),
    "slack-legacy-token": S("xoxs-{d:12}-{A:40}", "SLACK_LEGACY_TOKEN"),
    "slack-webhook-url": C("https://hooks.slack.com/services/T{U:10}/B{U:10}/{A:24}", ("app/notify.py", 'SLACK_WEBHOOK = "{v}"\n'),
                           (".env", "SLACK_WEBHOOK_URL={v}\n"), ("alerts.yaml", "slack_url: {v}\n")),
    "slack-signing-secret": S("{h:32}", "SLACK_SIGNING_SECRET"),
    "discord-bot-token": S(discord_token, "DISCORD_BOT_TOKEN"),
    "discord-webhook-url": C("https://discord.com/api/webhooks/{d:18}/{u:68}", ("app/notify.py", 'DISCORD_WEBHOOK = "{v}"\n'),
                             (".env", "DISCORD_HOOK={v}\n"), ("alerts.yaml", "discord: {v}\n")),
    "discord-client-secret": S("{u:32}", "DISCORD_CLIENT_SECRET"),
    "telegram-bot-token": S("{d:10}:AA{u:33}", "TELEGRAM_BOT_TOKEN"),
    "mattermost-webhook-url": C("https://mattermost.acme.io/hooks/{a:26}", ("app/notify.py", 'HOOK = "{v}"\n'), (".env", "MM_HOOK={v}\n"),
                                ("alerts.yaml", "mattermost: {v}\n")),
    "mattermost-access-token": S("{a:26}", "MATTERMOST_TOKEN"),
    "twitch-oauth-token": S("oauth:{a:30}", "TWITCH_OAUTH_TOKEN"),
    "line-channel-access-token": S("{b:172}=", "LINE_CHANNEL_ACCESS_TOKEN"),
    "line-channel-secret": S("{h:32}", "LINE_CHANNEL_SECRET"),
    "zulip-api-key": S("{A:32}", "ZULIP_API_KEY"),
    "gitter-access-token": S("{h:40}", "GITTER_TOKEN"),
    "webex-access-token": S("{A:64}_PF84_{uuid}", "WEBEX_TOKEN"),
    "matrix-access-token": S("syt_{u:12}_{A:20}_{A:6}", "MATRIX_ACCESS_TOKEN"),
    "pushbullet-access-token": S("o.{A:32}", "PUSHBULLET_TOKEN"),
    "pushover-api-token": S("a{a:29}", "PUSHOVER_TOKEN"),
    "rocketchat-token": S("{u:43}", "ROCKETCHAT_TOKEN"),
    # ---------------------------------------------------------------- social
    "twitter-bearer-token": S("AAAAAAAAAAAAAAAAAAAAA{A:90}", "TWITTER_BEARER_TOKEN"),
    "twitter-api-secret": S("{A:50}", "TWITTER_CONSUMER_SECRET"),
    "facebook-access-token": S("EAAG{A:160}", "FB_ACCESS_TOKEN"),
    "facebook-app-secret": S("{h:32}", "FACEBOOK_APP_SECRET"),
    "instagram-access-token": S("IGQV{u:180}", "INSTAGRAM_TOKEN"),
    "linkedin-client-secret": S("{A:16}", "LINKEDIN_CLIENT_SECRET"),
    "spotify-client-secret": S("{h:32}", "SPOTIFY_CLIENT_SECRET"),
    "reddit-client-secret": S("{u:30}", "REDDIT_CLIENT_SECRET"),
    "pinterest-access-token": S("pina_{U:96}", "PINTEREST_TOKEN"),
    "vimeo-access-token": S("{h:32}", "VIMEO_ACCESS_TOKEN"),
    "giphy-api-key": S("{A:32}", "GIPHY_API_KEY"),
    "mastodon-access-token": S("{u:43}", "MASTODON_ACCESS_TOKEN"),
    "bluesky-app-password": S("{a:4}-{a:4}-{a:4}-{a:4}", "BLUESKY_APP_PASSWORD"),
    # ---------------------------------------------------------------- payments
    "stripe-secret-key": S("sk_live_51{A:97}", "STRIPE_SECRET_KEY"),
    "stripe-restricted-key": S("rk_live_51{A:97}", "STRIPE_RESTRICTED_KEY"),
    "stripe-test-key": S("sk_test_51{A:97}", "STRIPE_TEST_KEY"),
    "stripe-webhook-secret": S("whsec_{A:32}", "STRIPE_WEBHOOK_SECRET"),
    "square-access-token": S("EAAA{u:60}", "SQUARE_ACCESS_TOKEN"),
    "square-oauth-secret": S("sq0csp-{u:43}", "SQUARE_OAUTH_SECRET"),
    "square-legacy-access-token": S("sq0atp-{u:22}", "SQUARE_TOKEN"),
    "square-application-secret": S("sq0csp-{u:43}", "SQUARE_APPLICATION_SECRET"),
    "braintree-access-token": S("access_token$production${a:16}${h:32}", "BRAINTREE_ACCESS_TOKEN"),
    "braintree-private-key": S("{h:32}", "BRAINTREE_PRIVATE_KEY"),
    "paypal-client-secret": S("E{u:79}", "PAYPAL_CLIENT_SECRET"),
    "plaid-access-token": S("access-production-{uuid}", "PLAID_ACCESS_TOKEN"),
    "plaid-secret": S("{h:30}", "PLAID_SECRET"),
    "flutterwave-secret-key": S("FLWSECK-{h:32}-X", "FLW_SECRET_KEY"),
    "flutterwave-encryption-key": S("FLWSECK{h:12}", "FLW_ENCRYPTION_KEY"),
    "razorpay-key-secret": S("{A:24}", "RAZORPAY_KEY_SECRET"),
    "razorpay-key-id": S("rzp_live_{A:14}", "RAZORPAY_KEY_ID"),
    "adyen-api-key": S("AQE{A:2}{u:120}.{u:30}", "ADYEN_API_KEY"),
    "coinbase-api-secret": S("{A:32}", "COINBASE_API_SECRET"),
    "paystack-secret-key": S("sk_live_{h:40}", "PAYSTACK_SECRET_KEY"),
    "checkout-com-secret-key": S("sk_sbox_{a:27}", "CHECKOUT_SECRET_KEY"),
    "mollie-api-key": S("live_{A:30}", "MOLLIE_API_KEY"),
    "gocardless-access-token": S("live_{u:40}", "GOCARDLESS_ACCESS_TOKEN"),
    "paddle-api-key": S("pdl_live_apikey_{a:26}_{A:22}_{A:3}", "PADDLE_API_KEY"),
    "lob-api-key": S("live_{h:35}", "LOB_API_KEY"),
    "woocommerce-consumer-secret": S("cs_{h:40}", "WOOCOMMERCE_CONSUMER_SECRET"),
    "woocommerce-consumer-key": S("ck_{h:40}", "WOOCOMMERCE_CONSUMER_KEY"),
    "authorize-net-transaction-key": S("{A:16}", "AUTHNET_TRANSACTION_KEY"),
    "wise-api-token": S(UUID_T, "WISE_API_TOKEN"),
    "binance-api-secret": S("{A:64}", "BINANCE_API_SECRET"),
    "kraken-private-key": S("{b:86}==", "KRAKEN_PRIVATE_KEY"),
    "shippo-api-token": S("shippo_live_{h:40}", "SHIPPO_TOKEN"),
    "easypost-api-key": S("EZAK{A:54}", "EASYPOST_API_KEY"),
    "duffel-api-token": S("duffel_live_{u:43}", "DUFFEL_TOKEN"),
    # ---------------------------------------------------------------- commerce, crm, productivity
    "shopify-access-token": S("shpat_{h:32}", "SHOPIFY_ACCESS_TOKEN"),
    "shopify-shared-secret": S("shpss_{h:32}", "SHOPIFY_SHARED_SECRET"),
    "hubspot-private-app-token": S("pat-na1-{uuid}", "HUBSPOT_TOKEN"),
    "hubspot-api-key": S(UUID_T, "HUBSPOT_API_KEY"),
    "hubspot-client-secret": S(UUID_T, "HUBSPOT_CLIENT_SECRET"),
    "intercom-access-token": S("{u:59}=", "INTERCOM_ACCESS_TOKEN"),
    "zendesk-api-token": S("{A:40}", "ZENDESK_API_TOKEN"),
    "salesforce-access-token": S("00D{A:15}!{A:96}", "SALESFORCE_ACCESS_TOKEN"),
    "notion-integration-token": S("ntn_{d:11}{A:35}", "NOTION_TOKEN"),
    "linear-api-key": S("lin_api_{A:40}", "LINEAR_API_KEY"),
    "asana-pat": S("1/{d:16}:{h:32}", "ASANA_PAT"),
    "airtable-pat": S("pat{A:14}.{h:64}", "AIRTABLE_TOKEN"),
    "figma-pat": S("figd_{u:40}", "FIGMA_TOKEN"),
    "contentful-pat": S("CFPAT-{u:43}", "CONTENTFUL_TOKEN"),
    "typeform-pat": S("tfp_{u:59}", "TYPEFORM_TOKEN"),
    "clickup-pat": S("pk_{d:8}_{U:32}", "CLICKUP_TOKEN"),
    "todoist-api-token": S("{h:40}", "TODOIST_API_TOKEN"),
    "zapier-webhook-url": C("https://hooks.zapier.com/hooks/catch/{d:7}/{a:7}/", ("app/notify.py", 'ZAP = "{v}"\n'), (".env", "ZAPIER_HOOK={v}\n"),
                            ("hooks.yaml", "zapier: {v}\n")),
    "zoom-client-secret": S("{A:32}", "ZOOM_CLIENT_SECRET"),
    "freshdesk-api-key": S("{A:20}", "FRESHDESK_API_KEY"),
    "pipedrive-api-token": S("{h:40}", "PIPEDRIVE_API_TOKEN"),
    "close-crm-api-key": S("api_{A:25}.{A:22}", "CLOSE_API_KEY"),
    "mixpanel-api-secret": S("{h:32}", "MIXPANEL_API_SECRET"),
    "amplitude-secret-key": S("{h:32}", "AMPLITUDE_SECRET_KEY"),
    "posthog-personal-api-key": S("phx_{A:47}", "POSTHOG_PERSONAL_API_KEY"),
    "statsig-server-secret": S("secret-{A:43}", "STATSIG_SERVER_SECRET"),
    "configcat-sdk-key": S("configcat-sdk-1/{u:22}/{u:22}", "CONFIGCAT_SDK_KEY"),
    "flagsmith-server-key": S("ser.{A:22}", "FLAGSMITH_SERVER_KEY"),
    "unleash-api-token": S("default:production.{h:64}", "UNLEASH_API_TOKEN"),
    "launchdarkly-access-token": S("api-{uuid}", "LAUNCHDARKLY_API_KEY"),
    "segment-write-key": S("sgp_{A:64}", "SEGMENT_TOKEN"),
    "algolia-admin-key": S("{h:32}", "ALGOLIA_ADMIN_KEY"),
    "mapbox-secret-token": S("sk.eyJ{u:60}.{u:22}", "MAPBOX_SECRET_TOKEN"),
    "dropbox-short-lived-token": S("sl.{u:135}", "DROPBOX_ACCESS_TOKEN"),
    "dropbox-long-lived-token": S("{A:11}AAAAAAAAAA{u:43}", "DROPBOX_TOKEN"),
    "box-client-secret": S("{A:32}", "BOX_CLIENT_SECRET"),
    "postman-api-key": S("PMAK-{h:24}-{h:34}", "POSTMAN_API_KEY"),
    "prefect-api-key": S("pnu_{A:36}", "PREFECT_API_KEY"),
    "readme-api-key": S("rdme_{a:70}", "README_API_KEY"),
    "frameio-api-token": S("fio-u-{u:64}", "FRAMEIO_TOKEN"),
    "here-api-key": S("{u:43}", "HERE_API_KEY"),
    "tomtom-api-key": S("{A:32}", "TOMTOM_API_KEY"),
    "opencage-api-key": S("{h:32}", "OPENCAGE_API_KEY"),
    "ipinfo-token": S("{h:14}", "IPINFO_TOKEN"),
    "maxmind-license-key": S("{A:6}_{A:29}_mmk", "MAXMIND_LICENSE_KEY"),
    "rapidapi-key": S("{A:50}", "RAPIDAPI_KEY"),
    "shodan-api-key": S("{A:32}", "SHODAN_API_KEY"),
    "virustotal-api-key": S("{h:64}", "VIRUSTOTAL_API_KEY"),
    "abuseipdb-api-key": S("{h:80}", "ABUSEIPDB_API_KEY"),
    "sanity-api-token": S("sk{A:180}", "SANITY_API_TOKEN"),
    "ghost-admin-api-key": S("{h:24}:{h:64}", "GHOST_ADMIN_API_KEY"),
    "wordpress-application-password": S("{A:4} {A:4} {A:4} {A:4} {A:4} {A:4}", "WP_APPLICATION_PASSWORD"),
    "adobe-client-secret": S("p8e-{u:32}", "ADOBE_CLIENT_SECRET"),
    "adafruit-io-key": S("aio_{A:28}", "ADAFRUIT_IO_KEY"),
    "lokalise-api-token": S("{h:40}", "LOKALISE_API_TOKEN"),
    "crowdin-pat": S("{h:80}", "CROWDIN_TOKEN"),
    "transifex-api-token": S("1/{h:40}", "TRANSIFEX_TOKEN"),
    # ---------------------------------------------------------------- email and messaging
    "twilio-api-key": S("SK{h:32}", "TWILIO_API_KEY"),
    "twilio-auth-token": S("{h:32}", "TWILIO_AUTH_TOKEN"),
    "sendgrid-api-key": S("SG.{u:22}.{u:43}", "SENDGRID_API_KEY"),
    "mailgun-private-api-key": S("key-{h:32}", "MAILGUN_API_KEY"),
    "mailgun-webhook-signing-key": S("{h:32}", "MAILGUN_WEBHOOK_SIGNING_KEY"),
    "mailchimp-api-key": S("{h:32}-us{d:2}", "MAILCHIMP_API_KEY"),
    "mailchimp-transactional-key": S("{u:22}", "MANDRILL_API_KEY"),
    "brevo-api-key": S("xkeysib-{h:64}-{A:16}", "BREVO_API_KEY"),
    "brevo-smtp-key": S("xsmtpsib-{h:64}-{A:16}", "BREVO_SMTP_KEY"),
    "resend-api-key": S("re_{A:8}_{A:24}", "RESEND_API_KEY"),
    "postmark-server-token": S(UUID_T, "POSTMARK_SERVER_TOKEN"),
    "mailjet-api-secret": S("{h:32}", "MAILJET_SECRET_KEY"),
    "sparkpost-api-key": S("{h:40}", "SPARKPOST_API_KEY"),
    "sparkpost-api-key-eu": S("{h:40}", "SPARKPOST_EU_API_KEY"),
    "vonage-api-secret": S("{A:16}", "VONAGE_API_SECRET"),
    "messagebird-api-key": S("{A:25}", "MESSAGEBIRD_API_KEY"),
    "pusher-app-secret": S("{h:20}", "PUSHER_APP_SECRET"),
    "plivo-auth-token": S("{A:40}", "PLIVO_AUTH_TOKEN"),
    "telnyx-api-key": S("KEY{H:32}_{A:22}", "TELNYX_API_KEY"),
    "infobip-api-key": S("{h:32}-{uuid}", "INFOBIP_API_KEY"),
    "africastalking-api-key": S("atsk_{h:64}", "AT_API_KEY"),
    "sendbird-api-token": S("{h:40}", "SENDBIRD_API_TOKEN"),
    "mailersend-api-token": S("mlsn.{h:64}", "MAILERSEND_API_TOKEN"),
    "smtp2go-api-key": S("api-{H:32}", "SMTP2GO_API_KEY"),
    "mailtrap-api-token": S("{h:32}", "MAILTRAP_API_TOKEN"),
    "zeptomail-api-key": C("Zoho-enczapikey {b:120}==", ("app/mail.py", 'HEADERS = {{"Authorization": "{v}"}}\n'),
                           (".env", 'ZEPTO_AUTH="{v}"\n'), ("mail.json", '{{"authorization": "{v}"}}\n')),
    # ---------------------------------------------------------------- package registries
    "npm-access-token": S("npm_{gh}", "NPM_TOKEN", invalid=bad_gh("npm_")),
    "npmrc-auth-token": C("{A:64}", (".npmrc", "//npm.acme.io/:_authToken={v}\n"), ("web/.npmrc", "//registry.acme.dev/api/npm/:_authToken={v}\n"),
                          (".yarnrc", "//npm.pkg.acme.io/:_authToken={v}\n")),
    "npmrc-auth": C(lambda: basic("ci"), (".npmrc", "_auth={v}\n"), ("web/.npmrc", "always-auth=true\n_auth = {v}\n"),
                    (".npmrc", "registry=https://npm.acme.io/\n_auth={v}\n")),
    "pypi-upload-token": S("pypi-AgEIcHlwaS5vcmc{u:150}", "PYPI_TOKEN"),
    "testpypi-upload-token": S("pypi-AgENdGVzdC5weXBpLm9yZw{u:150}", "TEST_PYPI_TOKEN"),
    "rubygems-api-key": S("rubygems_{h:48}", "GEM_HOST_API_KEY"),
    "nuget-api-key": S("oy2{a:43}", "NUGET_API_KEY"),
    "docker-hub-pat": S("dckr_pat_{u:27}", "DOCKERHUB_TOKEN"),
    "docker-hub-org-token": S("dckr_oat_{u:32}", "DOCKERHUB_ORG_TOKEN"),
    "docker-config-auth": C(lambda: basic("ci"), (".docker/config.json", '{{"auths": {{"registry.acme.io": {{"auth": "{v}"}}}}}}\n'),
                            ("deploy/.docker/config.json", '{{\n  "auths": {{\n    "ghcr.io": {{\n      "auth": "{v}"\n    }}\n  }}\n}}\n'),
                            ("auth.json", '{{"auths": {{"quay.io": {{"auth": "{v}"}}}}}}\n')),
    "docker-swarm-join-token": S("SWMTKN-1-{a:50}-{a:25}", "SWARM_JOIN_TOKEN"),
    "docker-swarm-unlock-key": S("SWMKEY-1-{b:43}", "SWARM_UNLOCK_KEY"),
    "clojars-deploy-token": S("CLOJARS_{a:60}", "CLOJARS_TOKEN"),
    "crates-io-token": S("cio{A:32}", "CARGO_REGISTRY_TOKEN"),
    "jfrog-api-key": S("AKCp{A:69}", "ARTIFACTORY_API_KEY"),
    "jfrog-identity-token": S("cmVmdGtuOjAxOj{A:50}", "ARTIFACTORY_TOKEN"),
    "hex-pm-api-key": S("{h:32}", "HEX_API_KEY"),
    "gradle-publish-secret": C("{A:32}", ("gradle.properties", "gradle.publish.key=abc\ngradle.publish.secret={v}\n"),
                               ("~/.gradle/gradle.properties", "gradle.publish.secret = {v}\n"), ("ci/gradle.properties", "gradle.publish.secret={v}\n")),
    "maven-settings-password": C(PW, ("settings.xml", "<servers><server><id>releases</id><username>ci</username><password>{v}</password></server></servers>\n"),
                                 (".m2/settings.xml", "  <password>{v}</password>\n"), ("ci/settings.xml", "<password>{v}</password>\n")),
    "composer-auth-token": C("{A:24}", ("auth.json", '{{"gitlab-token": {{"gitlab.acme.io": "{v}"}}}}\n'),
                             ("composer/auth.json", '{{"bearer": {{"repo.acme.io": "{v}"}}}}\n'), ("auth.json", '{{\n  "gitlab-token": {{\n    "git.acme.dev": "{v}"\n  }}\n}}\n')),
    "cloudsmith-api-key": S("{h:40}", "CLOUDSMITH_API_KEY"),
    "quay-robot-token": S("{U:64}", "QUAY_ROBOT_TOKEN"),
    # ---------------------------------------------------------------- cloud platforms
    "alibaba-access-key-id": S("LTAI{A:20}", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    "alibaba-access-key-secret": S("{A:30}", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    "tencent-cloud-secret-id": S("AKID{A:32}", "TENCENTCLOUD_SECRET_ID"),
    "tencent-cloud-secret-key": S("{A:32}", "TENCENT_SECRET_KEY"),
    "huawei-cloud-secret-key": S("{A:40}", "HUAWEI_SECRET_KEY"),
    "volcengine-access-key": S("AKLT{u:50}", "VOLC_ACCESSKEY"),
    "volcengine-secret-key": S("{b:58}==", "VOLCENGINE_SECRET_KEY"),
    "ibm-cloud-api-key": S("{u:44}", "IBM_CLOUD_API_KEY"),
    "oracle-oci-fingerprint-key": C(lambda: pem("PRIVATE KEY", 8).replace("\n", "\\n"), ("app/oci.py", 'OCI_PRIVATE_KEY = "{v}"\n'),
                                    ("oci.json", '{{"oci_private_key": "{v}"}}\n'), (".env", 'OCI_PRIVATE_KEY="{v}"\n')),
    "digitalocean-pat": S("dop_v1_{h:64}", "DIGITALOCEAN_TOKEN"),
    "digitalocean-oauth-token": S("doo_v1_{h:64}", "DO_OAUTH_TOKEN"),
    "digitalocean-spaces-secret": S("{b:43}", "SPACES_SECRET_KEY"),
    "linode-api-token": S("{h:64}", "LINODE_TOKEN"),
    "vultr-api-key": S("{U:36}", "VULTR_API_KEY"),
    "hetzner-api-token": S("{A:64}", "HCLOUD_TOKEN"),
    "scaleway-secret-key": S(UUID_T, "SCW_SECRET_KEY"),
    "yandex-cloud-api-key": S("AQVN{u:36}", "YC_API_KEY"),
    "yandex-cloud-iam-token": S("t1.{u:40}.{u:86}", "YC_IAM_TOKEN"),
    "exoscale-api-secret": S("{u:43}", "EXOSCALE_API_SECRET"),
    "ovh-application-secret": S("{A:32}", "OVH_APPLICATION_SECRET"),
    "backblaze-b2-application-key": S("K{d:3}{b:27}", "B2_APPLICATION_KEY"),
    "upcloud-api-password": S(lambda: password(20), "UPCLOUD_PASSWORD"),
    "cloudinary-url": S("cloudinary://{d:15}:{u:27}@acme-media", "CLOUDINARY_URL"),
    "akamai-edgegrid-token": S("akab-{a:16}-{a:16}", "AKAMAI_ACCESS_TOKEN"),
    "akamai-edgegrid-client-secret": S("{b:43}=", "AKAMAI_CLIENT_SECRET"),
    "cloudflare-api-token": S("{u:40}", "CLOUDFLARE_API_TOKEN"),
    "cloudflare-global-api-key": S("{h:37}", "CLOUDFLARE_GLOBAL_API_KEY"),
    "cloudflare-origin-ca-key": S("v1.0-{h:24}-{h:146}", "CF_ORIGIN_CA_KEY"),
    "fastly-api-token": S("{u:32}", "FASTLY_API_TOKEN"),
    "heroku-api-key": S(UUID_T, "HEROKU_API_KEY"),
    "heroku-api-key-v2": S("HRKU-AA{u:58}", "HEROKU_API_KEY"),
    "tailscale-api-key": S("tskey-api-{A:12}-{A:30}", "TS_API_KEY"),
    "tailscale-auth-key": S("tskey-auth-{A:12}-{A:30}", "TS_AUTHKEY"),
    "tailscale-oauth-client-secret": S("tskey-client-{A:12}-{A:30}", "TS_OAUTH_CLIENT_SECRET"),
    "ngrok-authtoken": S("2{A:26}_{A:21}", "NGROK_AUTHTOKEN"),
    "deno-deploy-token": S("ddp_{A:36}", "DENO_DEPLOY_TOKEN"),
    "portainer-access-token": S("ptr_{b:43}=", "PORTAINER_TOKEN"),
    "fly-io-token": S("fo1_{u:43}", "FLY_API_TOKEN"),
    "render-api-key": S("rnd_{A:32}", "RENDER_API_KEY"),
    "netlify-access-token": S("nfp_{u:40}", "NETLIFY_AUTH_TOKEN"),
    "vercel-token": S("{A:24}", "VERCEL_TOKEN"),
    "openshift-token": S("sha256~{u:43}", "OPENSHIFT_TOKEN"),
    "rancher-token": S("token-{a:5}:{a:54}", "RANCHER_TOKEN"),
    "kubernetes-kubeconfig-client-key": C(b64_pem, ("kubeconfig", "users:\n- name: admin\n  user:\n    client-key-data: {v}\n"),
                                          (".kube/config", "    client-key-data: {v}\n"), ("ci/kubeconfig.yaml", "  user:\n    client-key-data: \"{v}\"\n")),
    "kubernetes-kubeconfig-token": C(lambda: jwt(alg="RS256"), ("kubeconfig", "users:\n- name: ci\n  user:\n    token: {v}\n"),
                                     (".kube/config", "  user:\n    token: {v}\n"), ("ci/kubeconfig.yaml", "  user:\n    token: \"{v}\"\n")),
    "kubeadm-bootstrap-token": C("{a:6}.{a:16}", ("scripts/join.sh", "kubeadm join 10.0.0.1:6443 --token {v} --discovery-token-ca-cert-hash sha256:abc\n"),
                                 ("cluster.yaml", "bootstrap_token: {v}\n"), ("app/join.py", 'CMD = "kubeadm join --token={v} 10.0.0.1:6443"\n')),
    "k3s-cluster-token": S("K10{h:64}::server:{a:32}", "K3S_TOKEN"),
    "hashicorp-vault-service-token": S("hvs.{u:95}", "VAULT_TOKEN"),
    "hashicorp-vault-batch-token": S("hvb.{u:140}", "VAULT_BATCH_TOKEN"),
    "hashicorp-vault-legacy-token": S("s.{A:24}", "VAULT_TOKEN"),
    "terraform-cloud-token": S("{A:14}.atlasv1.{u:67}", "TFE_TOKEN"),
    "consul-acl-token": S(UUID_T, "CONSUL_HTTP_TOKEN"),
    "nomad-acl-token": S(UUID_T, "NOMAD_TOKEN"),
    "pulumi-access-token": S("pul-{h:40}", "PULUMI_ACCESS_TOKEN"),
    "doppler-token": S("dp.st.prd.{A:43}", "DOPPLER_TOKEN"),
    "onepassword-service-account-token": S("ops_eyJ{u:250}", "OP_SERVICE_ACCOUNT_TOKEN"),
    "onepassword-secret-key": S("A3-{U:6}-{U:6}-{U:5}-{U:5}-{U:5}-{U:5}", "OP_SECRET_KEY"),
    # ---------------------------------------------------------------- databases and data
    "databricks-api-token": S("dapi{h:32}", "DATABRICKS_TOKEN"),
    "snowflake-password": S(PW, "SNOWFLAKE_PASSWORD"),
    "planetscale-token": S("pscale_tkn_{u:43}", "PLANETSCALE_TOKEN"),
    "supabase-access-token": S("sbp_{h:40}", "SUPABASE_ACCESS_TOKEN"),
    "supabase-secret-key": S("sb_secret_{u:31}", "SUPABASE_SECRET_KEY"),
    "mongodb-atlas-private-key": S(UUID_T, "ATLAS_PRIVATE_KEY"),
    "neon-api-key": S("napi_{a:64}", "NEON_API_KEY"),
    "upstash-redis-rest-token": S("A{A:60}", "UPSTASH_REDIS_REST_TOKEN"),
    "cockroachdb-cloud-api-key": S("CCDB1_{A:22}_{A:40}", "COCKROACH_API_KEY"),
    "fauna-secret": S("fn{u:38}", "FAUNA_SECRET"),
    "convex-deploy-key": S("prod:happy-otter-123|{u:60}", "CONVEX_DEPLOY_KEY"),
    "xata-api-key": S("xau_{A:40}", "XATA_API_KEY"),
    "tinybird-token": S("p.eyJ{u:60}.{u:43}", "TINYBIRD_TOKEN"),
    "clickhouse-cloud-api-secret": S("4b1d{A:38}", "CLICKHOUSE_API_SECRET"),
    "dbt-cloud-token": S("dbtc_{u:56}", "DBT_CLOUD_TOKEN"),
    "confluent-cloud-api-secret": S("{b:64}", "CONFLUENT_API_SECRET"),
    # ---------------------------------------------------------------- ci/cd, code quality, source hosting
    "circleci-personal-token": S("CCIPAT_{A:22}_{h:40}", "CIRCLECI_TOKEN"),
    "circleci-project-token": S("CCIPRJ_{A:22}_{h:40}", "CIRCLE_PROJECT_TOKEN"),
    "circleci-legacy-token": S("{h:40}", "CIRCLECI_TOKEN"),
    "buildkite-agent-or-api-token": S("bkua_{h:40}", "BUILDKITE_TOKEN"),
    "travis-ci-token": S("{u:22}", "TRAVIS_TOKEN"),
    "sonarqube-token": S("squ_{h:40}", "SONAR_TOKEN"),
    "sonarcloud-token-legacy": S("{h:40}", "SONAR_TOKEN"),
    "octopus-deploy-api-key": S("API-{U:30}", "OCTOPUS_API_KEY"),
    "harness-pat": S("pat.{u:22}.{h:24}.{A:20}", "HARNESS_TOKEN"),
    "jenkins-api-token": S("11{h:32}", "JENKINS_API_TOKEN"),
    "teamcity-access-token": S("eyJ0eXAiOiAiVENWMiJ9.{u:36}.{u:48}", "TEAMCITY_TOKEN"),
    "drone-ci-token": S("{A:32}", "DRONE_TOKEN"),
    "codecov-token": S(UUID_T, "CODECOV_TOKEN"),
    "snyk-api-token": S(UUID_T, "SNYK_TOKEN"),
    "gitea-access-token": S("{h:40}", "GITEA_TOKEN"),
    "codacy-api-token": S("{A:20}", "CODACY_API_TOKEN"),
    "codeclimate-reporter-id": S("{h:64}", "CC_TEST_REPORTER_ID"),
    "coveralls-repo-token": S("{A:33}", "COVERALLS_REPO_TOKEN"),
    "deepsource-dsn": S("https://{h:32}@app.deepsource.com", "DEEPSOURCE_DSN"),
    "saucelabs-access-key": S(UUID_T, "SAUCE_ACCESS_KEY"),
    "browserstack-access-key": S("{A:20}", "BROWSERSTACK_ACCESS_KEY"),
    "bitrise-token": S("{u:86}", "BITRISE_TOKEN"),
    "semgrep-app-token": S("{h:64}", "SEMGREP_APP_TOKEN"),
    "percy-token": S("web_{h:64}", "PERCY_TOKEN"),
    "cypress-record-key": S(UUID_T, "CYPRESS_RECORD_KEY"),
    "chromatic-project-token": S("chpt_{h:14}", "CHROMATIC_PROJECT_TOKEN"),
    "infracost-api-key": S("ico-{A:32}", "INFRACOST_API_KEY"),
    "socket-dev-api-key": S("sktsec_{A:60}", "SOCKET_SECURITY_API_KEY"),
    "sourcegraph-access-token": S("sgp_{h:16}_{h:40}", "SRC_ACCESS_TOKEN"),
    "codesandbox-token": S("csb_v1_{u:43}", "CSB_API_KEY"),
    # ---------------------------------------------------------------- observability
    "sentry-org-auth-token": S("sntrys_eyJ{u:120}_{u:43}", "SENTRY_AUTH_TOKEN"),
    "sentry-user-auth-token": S("sntryu_{h:64}", "SENTRY_AUTH_TOKEN"),
    "sentry-legacy-auth-token": S("{h:64}", "SENTRY_AUTH_TOKEN"),
    "datadog-api-key": S("{h:32}", "DD_API_KEY"),
    "datadog-app-key": S("{h:40}", "DD_APP_KEY"),
    "new-relic-user-api-key": S("NRAK-{U:27}", "NEW_RELIC_API_KEY"),
    "new-relic-insights-key": S("NRII-{u:32}", "NEW_RELIC_INSERT_KEY"),
    "new-relic-license-key": S("{h:36}NRAL", "NEW_RELIC_LICENSE_KEY"),
    "new-relic-browser-key": S("NRJS-{h:19}", "NEW_RELIC_BROWSER_KEY"),
    "grafana-cloud-token": S("glc_{b:120}==", "GRAFANA_CLOUD_TOKEN"),
    "grafana-service-account-token": S("glsa_{A:32}_{h:8}", "GRAFANA_SA_TOKEN"),
    "grafana-api-key": S("eyJrIjoi{A:80}", "GRAFANA_API_KEY"),
    "dynatrace-api-token": S("dt0c01.{U:24}.{U:64}", "DT_API_TOKEN"),
    "dynatrace-platform-token": S("dt0s16.{U:24}.{U:64}", "DT_PLATFORM_TOKEN"),
    "splunk-hec-token": S(UUID_T, "SPLUNK_HEC_TOKEN"),
    "honeycomb-api-key": S("hcaik_{A:58}", "HONEYCOMB_API_KEY"),
    "pagerduty-api-key": S("u+{u:18}", "PAGERDUTY_API_KEY"),
    "coralogix-private-key": S("cxtp_{A:30}", "CORALOGIX_PRIVATE_KEY"),
    "axiom-api-token": S("xaat-{uuid}", "AXIOM_TOKEN"),
    "sumologic-access-key": S("{A:64}", "SUMOLOGIC_ACCESS_KEY"),
    "bugsnag-api-key": S("{h:32}", "BUGSNAG_API_KEY"),
    "rollbar-access-token": S("{h:32}", "ROLLBAR_ACCESS_TOKEN"),
    "opsgenie-api-key": S(UUID_T, "OPSGENIE_API_KEY"),
    "uptimerobot-api-key": S("u{d:7}-{h:24}", "UPTIMEROBOT_API_KEY"),
    "mezmo-ingestion-key": S("{h:32}", "MEZMO_INGESTION_KEY"),
    "elastic-cloud-api-key": S("{u:60}==", "ELASTIC_API_KEY"),
    "elastic-apm-secret-token": S("{A:32}", "ELASTIC_APM_SECRET_TOKEN"),
    # ---------------------------------------------------------------- identity and secrets management
    "okta-api-token": S("00{u:40}", "OKTA_API_TOKEN"),
    "okta-client-secret": S("{u:64}", "OKTA_CLIENT_SECRET"),
    "auth0-client-secret": S("{u:64}", "AUTH0_CLIENT_SECRET"),
    "stytch-secret": S("secret-live-{u:36}", "STYTCH_SECRET"),
    "onelogin-client-secret": S("{h:64}", "ONELOGIN_CLIENT_SECRET"),
    "keycloak-client-secret": S("{A:32}", "KEYCLOAK_CLIENT_SECRET"),
    "duo-secret-key": S("{A:40}", "DUO_SECRET_KEY"),
    "jumpcloud-api-key": S("{h:40}", "JUMPCLOUD_API_KEY"),
    "bitwarden-access-token": S("0.{uuid}.{A:30}:{b:22}==", "BWS_ACCESS_TOKEN"),
    "infisical-service-token": S("st.{uuid}.{h:32}.{h:32}", "INFISICAL_TOKEN"),
    "apple-app-specific-password": S("{l:4}-{l:4}-{l:4}-{l:4}", "APPLE_APP_SPECIFIC_PASSWORD"),
    # ---------------------------------------------------------------- ai
    "openai-api-key": S("sk-proj-{u:40}T3BlbkFJ{u:40}", "OPENAI_API_KEY"),
    "anthropic-api-key": S("sk-ant-api03-{u:93}AA", "ANTHROPIC_API_KEY"),
    "huggingface-token": S("hf_{L:34}", "HF_TOKEN"),
    "huggingface-org-token": S("api_org_{L:34}", "HF_ORG_TOKEN"),
    "groq-api-key": S("gsk_{A:52}", "GROQ_API_KEY"),
    "replicate-api-token": S("r8_{A:37}", "REPLICATE_API_TOKEN"),
    "perplexity-api-key": S("pplx-{A:48}", "PERPLEXITY_API_KEY"),
    "cohere-api-key": S("{A:40}", "COHERE_API_KEY"),
    "mistral-api-key": S("{A:32}", "MISTRAL_API_KEY"),
    "deepseek-api-key": S("sk-{h:32}", "DEEPSEEK_API_KEY"),
    "langsmith-api-key": S("lsv2_pt_{h:32}_{h:10}", "LANGSMITH_API_KEY"),
    "pinecone-api-key": S("pcsk_{A:6}_{A:65}", "PINECONE_API_KEY"),
    "xai-api-key": S("xai-{A:80}", "XAI_API_KEY"),
    "openrouter-api-key": S("sk-or-v1-{h:64}", "OPENROUTER_API_KEY"),
    "nvidia-api-key": S("nvapi-{u:64}", "NVIDIA_API_KEY"),
    "voyage-ai-api-key": S("pa-{u:43}", "VOYAGE_API_KEY"),
    "langfuse-secret-key": S("sk-lf-{uuid}", "LANGFUSE_SECRET_KEY"),
    "elevenlabs-api-key": S("sk_{h:48}", "ELEVENLABS_API_KEY"),
    "assemblyai-api-key": S("{h:32}", "ASSEMBLYAI_API_KEY"),
    "deepgram-api-key": S("{h:40}", "DEEPGRAM_API_KEY"),
    "stability-ai-api-key": S("sk-{A:48}", "STABILITY_API_KEY"),
    "wandb-api-key": S("{h:40}", "WANDB_API_KEY"),
    "together-ai-api-key": S("tgp_v1_{u:43}", "TOGETHER_API_KEY"),
    "cerebras-api-key": S("csk-{a:48}", "CEREBRAS_API_KEY"),
    "clarifai-pat": S("{h:32}", "CLARIFAI_PAT"),
    # ---------------------------------------------------------------- second batch
    "airtable-api-key-legacy": S("key{A:14}", "AIRTABLE_API_KEY"),
    "asana-client-secret": S("{a:32}", "ASANA_CLIENT_SECRET"),
    "authress-service-client-key": S("sc_{a:12}.{a:5}.acc_{a:20}.{u:60}", "AUTHRESS_KEY"),
    "beamer-api-key": S("b_{u:43}=", "BEAMER_API_KEY"),
    "contentful-delivery-token": S("{u:43}", "CONTENTFUL_DELIVERY_TOKEN"),
    "defined-networking-api-key": S("dnkey-{a:26}-{a:52}", "DN_API_KEY"),
    "etsy-api-key": S("{a:24}", "ETSY_API_KEY"),
    "finnhub-api-key": S("{a:20}", "FINNHUB_API_KEY"),
    "finicity-client-secret": S("{A:20}", "FINICITY_SECRET"),
    "flickr-api-key": S("{h:32}", "FLICKR_API_KEY"),
    "freshbooks-access-token": S("{h:64}", "FRESHBOOKS_TOKEN"),
    "intra42-client-secret": S("s-s4t2ud-{h:64}", "FT_CLIENT_SECRET"),
    "jwt-base64": S(lambda: b64(jwt().encode()), "AUTH_TOKEN_B64"),
    "kucoin-api-secret": S(UUID_T, "KUCOIN_API_SECRET"),
    "linear-client-secret": S("{h:32}", "LINEAR_CLIENT_SECRET"),
    "looker-client-secret": S("{A:24}", "LOOKER_CLIENT_SECRET"),
    "nuget-config-password": C(PW, ("nuget.config", '<packageSourceCredentials><acme><add key="Username" value="ci" /><add key="ClearTextPassword" value="{v}" /></acme></packageSourceCredentials>\n'),
                               ("src/NuGet.Config", '      <add key="ClearTextPassword" value="{v}" />\n'), ("ci/nuget.config", '<add key="ClearTextPassword" value="{v}"/>\n')),
    "nytimes-api-key": S("{A:32}", "NYTIMES_API_KEY"),
    "privateai-api-key": S("{a:32}", "PRIVATE_AI_API_KEY"),
    "scalingo-api-token": S("tk-us-{u:48}", "SCALINGO_API_TOKEN"),
    "settlemint-token": S("sm_pat_{A:16}", "SETTLEMINT_TOKEN"),
    "sidekiq-enterprise-credentials": C("{h:8}:{h:8}", (".bundle/config", 'BUNDLE_ENTERPRISE__CONTRIBSYS__COM: "{v}"\n'), ("Dockerfile", "ENV BUNDLE_GEMS__CONTRIBSYS__COM={v}\n"),
                                        (".env", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM={v}\n")),
    "sidekiq-gem-url": C("{h:8}:{h:8}", ("Gemfile", 'source "https://{v}@enterprise.contribsys.com/" do\n'), ("Gemfile", "source 'https://{v}@gems.contribsys.com/'\n"),
                         ("ci/Gemfile", 'source "https://{v}@gems.contribsys.com"\n')),
    "slack-legacy-bot-token": S("xoxb-{d:11}-{A:24}", "SLACK_LEGACY_BOT_TOKEN"),
    "squarespace-api-key": S(UUID_T, "SQUARESPACE_API_KEY"),
    "sumologic-access-id": S("su{A:12}", "SUMOLOGIC_ACCESS_ID"),
    "twitter-access-token": S("{d:19}-{A:31}", "TWITTER_ACCESS_TOKEN"),
    "yandex-cloud-static-key": S("YC{u:38}", "YC_SECRET_ACCESS_KEY"),
    "curl-basic-auth": C(PW, ("scripts/upload.sh", "curl -u deploy:{v} -T build.zip https://nexus.acme.io/repository/raw/\n"),
                         ("Makefile", "\tcurl --user ci:{v} https://api.acme.io/hooks\n"), ("README.txt", "curl -s -u 'admin:{v}' http://localhost:9200/_cat/indices\n")),
    "http-api-key-header": C("{A:40}", ("scripts/call.sh", 'curl -H "X-API-Key: {v}" https://api.acme.io/v1/orders\n'),
                             ("app/client.py", 'HEADERS = {{"x-api-key": "{v}", "Accept": "application/json"}}\n'), ("http/orders.http", "X-Auth-Token: {v}\n")),
    "kubernetes-secret-data": C(lambda: b64(password(24).encode()), ("k8s/db-secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: YXBw\n  password: {v}\n"),
                                ("deploy/secret.yml", "kind: Secret\napiVersion: v1\nmetadata:\n  name: api\ndata:\n  api-token: {v}\n"),
                                ("charts/app/secret.yaml", "---\nkind: Secret\nmetadata:\n  name: x\ndata:\n  DB_PASSWORD: \"{v}\"\n")),
    # ---------------------------------------------------------------- keys and key files
    "private-key-rsa": C(lambda: pem("RSA PRIVATE KEY"), ("deploy/id_rsa.pem", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n'),
                         ("config/key.json", None)),  # type: ignore[arg-type]
    "private-key-ec": C(lambda: pem("EC PRIVATE KEY", 3), ("certs/server.key", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n'), ("config/key.json", None)),  # type: ignore[arg-type]
    "private-key-dsa": C(lambda: pem("DSA PRIVATE KEY", 10), ("keys/dsa.pem", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n'), ("config/key.json", None)),  # type: ignore[arg-type]
    "private-key-openssh": C(lambda: pem("OPENSSH PRIVATE KEY", 6), ("deploy/id_ed25519", "{v}\n"), ("ansible/vars.yml", "deploy_key: |\n  {v}\n"),
                             ("config/key.json", None)),  # type: ignore[arg-type]
    "private-key-pkcs8": C(lambda: pem("PRIVATE KEY", 16), ("keys/sa.json", None), ("certs/tls.key", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n')),  # type: ignore[arg-type]
    "private-key-pgp": C(lambda: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(chars(ALPHABETS["b"], 64) for _ in range(20))
                         + "\n=" + chars(ALPHABETS["b"], 4) + "\n-----END PGP PRIVATE KEY BLOCK-----",
                         ("keys/release.asc", "{v}\n"), ("ci/signing.py", 'KEY = """{v}"""\n'), ("vars/main.yml", None)),  # type: ignore[arg-type]
    "private-key-encrypted": C(lambda: pem("ENCRYPTED PRIVATE KEY", 18), ("keys/signing.pem", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n'),
                               ("config/key.json", None)),  # type: ignore[arg-type]
    "private-key-ssh2": C(lambda: "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"rsa-key-20240101\"\n"
                          + "\n".join(chars(ALPHABETS["b"], 70) for _ in range(8)) + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
                          ("keys/legacy.key", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n'), ("keys/ssh2.txt", "{v}\n")),
    "private-key-putty": C(lambda: "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n"
                           + chars(ALPHABETS["b"], 64) + "\n" + chars(ALPHABETS["b"], 20) + "\nPrivate-Lines: 1\n" + chars(ALPHABETS["b"], 44)
                           + "\nPrivate-MAC: " + chars(ALPHABETS["h"], 64),
                           ("keys/deploy.ppk", "{v}\n"), ("app/keys.py", 'KEY = """{v}"""\n'), ("ops/putty.ppk", "{v}\n")),
    "age-secret-key": C(age_key, ("keys.txt", "# created: 2025-01-01T00:00:00Z\n# public key: age1q...\n{v}\n"), ("app/crypto.py", 'AGE_IDENTITY = "{v}"\n'),
                        (".env", "SOPS_AGE_KEY={v}\n"), invalid=lambda: "AGE-SECRET-KEY-1" + chars(_BECH32.upper(), 58)),
    "nats-nkey-seed": C(nats_seed, ("nats/user.nk", "{v}\n"), ("app/nats.py", 'SEED = "{v}"\n'), (".env", "NATS_NKEY_SEED={v}\n"),
                        invalid=lambda: "SU" + chars(ALPHABETS["B"], 56)),
    "wireguard-private-key": C(wireguard, ("wg0.conf", "[Interface]\nAddress = 10.0.0.1/24\nPrivateKey = {v}\nListenPort = 51820\n"),
                               ("vpn/peer.conf", "[Interface]\nPrivateKey={v}\n"), ("ansible/wg.conf.j2", "PrivateKey = {v}\n")),
    "openvpn-static-key": C(lambda: "-----BEGIN OpenVPN Static key V1-----\n" + "\n".join(chars(ALPHABETS["h"], 32) for _ in range(16))
                            + "\n-----END OpenVPN Static key V1-----", ("vpn/ta.key", "{v}\n"), ("vpn/client.ovpn", "<tls-auth>\n{v}\n</tls-auth>\n"),
                            ("app/vpn.py", 'TA = """{v}"""\n')),
    "minisign-secret-key": C(lambda: "untrusted comment: minisign encrypted secret key\n" + chars(ALPHABETS["b"], 212),
                             ("minisign.key", "{v}\n"), ("release/minisign.key", "{v}\n"), ("app/sign.py", 'KEY = """{v}"""\n')),
    "cosign-private-key": C(lambda: pem("ENCRYPTED SIGSTORE PRIVATE KEY", 8), ("cosign.key", "{v}\n"), ("ci/cosign.key", "{v}\n"),
                            ("app/sign.py", 'KEY = """{v}"""\n')),
    "private-key-base64-pem": C(b64_pem, ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.key: {v}\n"),
                                ("app/tls.py", 'TLS_KEY_B64 = "{v}"\n'), (".env", "TLS_KEY={v}\n")),
    "pkcs12-file": Shape("", paths=["certs/client.p12", "deploy/keystore.jks", "android/release.keystore"]),
    "private-key-file": Shape("", paths=["deploy/id_rsa", "home/.ssh/id_ed25519", "db/.pgpass"]),
    # ---------------------------------------------------------------- tokens, urls, headers
    "jwt": S(jwt, "ID_TOKEN", invalid=lambda: jwt(exp=1600000000)),
    "jwt-signing-secret": S(lambda: password(32), "JWT_SECRET"),
    "postgres-url-password": C(PW, ("app/db.py", 'DATABASE_URL = "postgresql://orders:{v}@db.internal:5432/orders"\n'),
                               (".env", "DATABASE_URL=postgres://app:{v}@10.0.0.5/app\n"), ("alembic.ini", "sqlalchemy.url = postgresql+psycopg://app:{v}@pg/app\n")),
    "mysql-url-password": C(PW, ("app/db.py", 'DB = "mysql://app:{v}@mysql.internal:3306/shop"\n'), (".env", "MYSQL_URL=mysql+pymysql://root:{v}@db/shop\n"),
                            ("config.yaml", "db: mariadb://svc:{v}@maria:3306/app\n")),
    "mongodb-url-password": C(PW, ("app/db.py", 'MONGO = "mongodb+srv://app:{v}@cluster0.abcde.mongodb.net/orders"\n'),
                              (".env", "MONGO_URL=mongodb://admin:{v}@mongo:27017\n"), ("config.yaml", "mongo: mongodb://svc:{v}@m1,m2/app\n")),
    "redis-url-password": C(PW, ("app/cache.py", 'REDIS_URL = "redis://:{v}@redis.internal:6379/0"\n'), (".env", "REDIS_URL=rediss://default:{v}@cache:6380\n"),
                            ("config.yaml", "cache: redis://app:{v}@redis:6379\n")),
    "amqp-url-password": C(PW, ("app/queue.py", 'BROKER = "amqp://orders:{v}@rabbit.internal:5672/"\n'), (".env", "CELERY_BROKER_URL=amqps://svc:{v}@mq/vhost\n"),
                           ("config.yaml", "broker: amqp://app:{v}@rabbit\n")),
    "mssql-connection-string-password": C(PW, ("appsettings.json", '{{"Db": "Server=tcp:sql.acme.io,1433;Database=orders;User Id=app;Password={v};"}}\n'),
                                          ("app/db.py", 'CONN = "Data Source=sql01;Initial Catalog=shop;User ID=sa;Password={v};"\n'),
                                          (".env", "SQL=Server=db;Database=app;Uid=app;Pwd={v};\n")),
    "jdbc-url-password": C(PW, ("application.properties", "spring.datasource.url=jdbc:mysql://db.internal:3306/orders?user=app&password={v}\n"),
                           ("app/db.py", 'URL = "jdbc:postgresql://pg:5432/app?user=svc&password={v}&ssl=true"\n'),
                           (".env", "JDBC_URL=jdbc:sqlserver://sql:1433;databaseName=shop;user=sa;password={v};\n")),
    "ldap-url-password": C(PW, ("app/ldap.py", 'LDAP_URL = "ldaps://svc-orders:{v}@ldap.internal:636"\n'), (".env", "LDAP=ldap://binduser:{v}@dc01\n"),
                           ("config.yaml", "ldap: ldaps://reader:{v}@ldap.acme.io\n")),
    "neo4j-url-password": C(PW, ("app/graph.py", 'NEO4J = "neo4j+s://neo4j:{v}@abcd1234.databases.neo4j.io"\n'), (".env", "NEO4J_URL=bolt://neo4j:{v}@graph:7687\n"),
                            ("config.yaml", "graph: neo4j://app:{v}@neo4j:7687\n")),
    "clickhouse-url-password": C(PW, ("app/olap.py", 'CH = "clickhouse://default:{v}@ch.internal:9000/events"\n'),
                                 (".env", "CLICKHOUSE_URL=clickhouse+native://app:{v}@ch/analytics\n"), ("config.yaml", "olap: clickhouse://ro:{v}@ch:8123\n")),
    "database-url-password": C(PW, ("app/db.py", 'ENGINE = "mssql+pyodbc://sa:{v}@sql.internal/orders"\n'), (".env", "ORACLE_URL=oracle://system:{v}@ora:1521/XE\n"),
                               ("config.yaml", "search: opensearch://admin:{v}@search:9200\n")),
    "kafka-sasl-jaas-password": C(PW, ("kafka/client.properties", 'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="{v}";\n'),
                                  ("app/kafka.py", 'JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"svc\\" password=\\"{v}\\";"\n'),
                                  ("application.yml", 'sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="{v}";\n')),
    "url-basic-auth-credentials": C(PW, ("requirements.txt", "--extra-index-url https://deploy:{v}@pypi.acme.io/simple\n"),
                                    ("app/client.py", 'API = "https://svc-orders:{v}@api.acme.io/v1"\n'), ("ci.sh", "curl https://ci:{v}@nexus.acme.io/repository/raw/x\n")),
    "authorization-basic-header": C(basic, ("scripts/call.sh", 'curl -H "Authorization: Basic {v}" https://api.acme.io\n'),
                                    ("app/client.py", 'HEADERS = {{"Authorization": "Basic {v}"}}\n'), ("http/requests.http", "Authorization: Basic {v}\n")),
    "authorization-bearer-header": C("{u:48}", ("scripts/call.sh", 'curl -H "Authorization: Bearer {v}" https://api.acme.io\n'),
                                     ("app/client.py", 'HEADERS = {{"Authorization": "Bearer {v}"}}\n'), ("http/requests.http", "Authorization: Bearer {v}\n")),
    "netrc-password": C(PW, (".netrc", "machine api.acme.io login deploy password {v}\n"), ("ci/netrc", "machine git.acme.io\nlogin ci password {v}\n"),
                        ("app/setup.py", 'NETRC = "machine pypi.acme.io login ci password {v}\\n"\n')),
    "git-credentials-url": C(PW, (".git-credentials", "https://deploy:{v}@git.acme.io\n"), ("ci/.git-credentials", "https://ci-bot:{v}@gitlab.acme.io\n"),
                             (".git-credentials", "http://svc:{v}@git.internal\n")),
    # ---------------------------------------------------------------- frameworks
    "django-secret-key": C(lambda: "django-insecure-" + chars(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50),
                           ("mysite/settings.py", "SECRET_KEY = '{v}'\n"), ("app/settings/prod.py", 'SECRET_KEY = "{v}"\n'), ("settings.py", "    SECRET_KEY = '{v}'\n")),
    "rails-secret-key-base": C("{h:128}", ("config/secrets.yml", "production:\n  secret_key_base: {v}\n"), (".env", "SECRET_KEY_BASE={v}\n"),
                               ("config/initializers/secret.rb", 'Rails.application.config.secret_key_base = "{v}"\n')),
    "laravel-app-key": C("base64:{b:43}=", (".env", "APP_NAME=shop\nAPP_KEY={v}\n"), ("deploy/.env.production", "APP_KEY={v}\n"), ("docker/.env", 'APP_KEY="{v}"\n')),
    "symfony-app-secret": C("{h:32}", (".env", "APP_ENV=prod\nAPP_SECRET={v}\n"), (".env.local", "APP_SECRET={v}\n"), ("deploy/.env.prod", "APP_SECRET={v}\n")),
    "flask-secret-key": C(lambda: password(24), ("app/__init__.py", 'app.secret_key = "{v}"\n'), ("wsgi.py", "app.config['SECRET_KEY'] = '{v}'\n"),
                          ("server.py", 'app.secret_key = b"{v}"\n')),
    # ---------------------------------------------------------------- generic
    "generic-password-assignment": C(PW, ("app/settings.py", 'DB_PASSWORD = "{v}"\n'), ("src/config.js", "const smtpPassword = '{v}';\n"),
                                     ("config/app.json", '{{"admin_password": "{v}"}}\n')),
    "generic-api-key-assignment": C("{A:32}", ("app/settings.py", 'PARTNER_API_KEY = "{v}"\n'), ("src/config.ts", "export const apiKey = '{v}';\n"),
                                    ("config/app.json", '{{"client_secret": "{v}"}}\n')),
    "generic-env-file-secret": C(lambda: password(24), (".env", "PAYMENTS_SECRET={v}\n"), (".env.production", "export INTERNAL_API_TOKEN={v}\n"),
                                 ("deploy/.env", "WEBHOOK_SECRET='{v}'\n")),
    "generic-credential-in-yaml": C(lambda: password(20), ("config/app.yaml", "smtp:\n  password: {v}\n"), ("deploy/values.yaml", "  api_key: {v}\n"),
                                    ("ansible/vars.yml", "db_secret: '{v}'\n")),
    "generic-private-key-assignment": C("{b:96}", ("app/crypto.py", 'PRIVATE_KEY = "{v}"\n'), ("config/app.json", '{{"private_key": "{v}"}}\n'),
                                        ("src/sign.js", "const privateKey = '{v}';\n")),
    "generic-hex-secret-assignment": C("{h:64}", ("app/settings.py", 'HMAC_SECRET = "{v}"\n'), ("config/app.yaml", "signing_key: {v}\n"),
                                       ("src/crypto.js", "const encryptionKey = '{v}';\n")),
}

# Example values providers publish in their own documentation (see the allowlist in rules.toml).
DOCUMENTED_EXAMPLES = {
    "aws": [("docs/aws.py", 'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"\naws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n')],
    "google": [("web/maps.js", 'const apiKey = "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe";\n'),
               ("lib/firebase_options.dart", "apiKey: 'AIzaSyDdVgKwhZl0sTTTLZ7iTmt1r3N2cJLnaDk',\n")],
    "stripe": [("app/billing.py", 'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"\n')],
    "jwt": [("tests/test_auth.py", 'TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"\n')],
    "microsoft": [("local.settings.json", '{"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"}\n')],
}


def hard_negatives() -> list[tuple[str, str, str]]:
    """(kind, path, text): things shaped like secrets that are not credentials."""
    out: list[tuple[str, str, str]] = []
    h = ALPHABETS["h"]
    for _ in range(6):
        out += [
            ("hash", "app/cache.py", f'checksum = "{chars(h, 64)}"\n'),
            ("hash", "package.json", f'"integrity": "sha512-{b64(rng.randbytes(64))}",\n'),
            ("hash", "Dockerfile", f"FROM python:3.12-slim@sha256:{chars(h, 64)}\n"),
            ("hash", "CHANGELOG.md", f"- fixed the thing ({chars(h, 40)})\n"),
            ("hash", "app/files.py", f'EXPECTED_MD5 = "{chars(h, 32)}"\n'),
            ("hash", "requirements.txt", f"requests==2.32.3 --hash=sha256:{chars(h, 64)}\n"),
            ("hash", "app/models.py", f'password_hash = "pbkdf2_sha256$600000${chars(ALPHABETS["A"], 22)}${b64(rng.randbytes(32))}"\n'),
            ("hash", "users.yaml", f'  password: "$2b$12${chars(ALPHABETS["A"] + "./", 53)}"\n'),
            ("uuid", "app/ids.py", f'REQUEST_ID = "{fill(UUID_T)}"\n'),
            ("uuid", "config/app.yaml", f"tenant_id: {fill(UUID_T)}\n"),
            ("uuid", "app/events.json", f'{{"correlation_id": "{fill(UUID_T)}", "next_token": "{fill(UUID_T)}"}}\n'),
            ("uuid", "terraform/main.tf", f'  subscription_id = "{fill(UUID_T)}"\n'),
            ("base64", "web/icon.css", f".icon {{ background: url(data:image/png;base64,{b64(rng.randbytes(120))}); }}\n"),
            ("base64", "tests/fixtures/payload.json", f'{{"body": "{b64(json.dumps({"message": "hello world", "id": 42}).encode())}"}}\n'),
            ("base64", "app/pagination.py", f'next_page_token = "{b64(json.dumps({"offset": rng.randint(10, 999)}).encode())}"\n'),
            ("public-key", "keys/deploy.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{chars(ALPHABETS['b'], 43)} deploy@ci\n"),
            ("public-key", "certs/ca.pem", "-----BEGIN CERTIFICATE-----\n" + "\n".join(chars(ALPHABETS["b"], 64) for _ in range(8)) + "\n-----END CERTIFICATE-----\n"),
            ("public-key", "keys/signing.pub", "-----BEGIN PUBLIC KEY-----\n" + "\n".join(chars(ALPHABETS["b"], 64) for _ in range(4)) + "\n-----END PUBLIC KEY-----\n"),
            ("placeholder", "app/settings.py", 'DB_PASSWORD = "changeme"\nAPI_KEY = "your-api-key-here"\n'),
            ("placeholder", ".env.template", "STRIPE_SECRET_KEY=\nGITHUB_TOKEN=<your token>\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}\n"),
            ("placeholder", "config/app.yaml", "password: '{{ vault_db_password }}'\napi_token: \"${API_TOKEN}\"\n"),
            ("placeholder", "app/settings.py", 'SECRET_KEY = os.environ["SECRET_KEY"]\nPASSWORD = getpass.getpass()\n'),
            ("placeholder", "docs/setup.md", "Set `OPENAI_API_KEY=sk-...` and `password: ********` in your config.\n"),
            ("placeholder", "app/redact.py", 'MASK = "****************"\ntoken = "<redacted>"\n'),
            ("fixture", "tests/test_login.py", 'client.login(username="alice", password="password123")\n'),
            ("fixture", "tests/test_api.py", 'headers = {"Authorization": "Bearer test-token"}\napi_key = "fake-api-key"\n'),
            ("fixture", "tests/conftest.py", 'DUMMY_SECRET = "not-a-real-secret"\nTEST_PASSWORD = "hunter2hunter2"\n'),
            ("fixture", "tests/test_forms.py", '"password1": "otherclient",\n"password2": "otherclient",\n'),
            ("fixture", "tests/ansible.ps1", 'password = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"\n'),
            ("identifier", "app/config.py", 'PASSWORD_FIELD = "user_password_confirmation"\nTOKEN_HEADER = "X-Auth-Token-Header-Name"\n'),
            ("identifier", "app/urls.py", f'password_reset_url = "https://acme.io/reset/{chars(ALPHABETS["a"], 8)}"\n'),
            ("identifier", "config/app.yaml", "ssl_key_file: /etc/ssl/private/server-key.pem\nprivate_key_path: ./keys/jwt.key\n"),
            ("identifier", "app/i18n.py", '"password_too_short": "Your password must contain at least 12 characters"\n'),
            ("identifier", "app/versions.py", 'API_VERSION = "2024-06-20"\nsecret_version = "v1.42.0"\n'),
            ("identifier", "app/colors.css", ".token { color: #a3be8c; } .secret { color: #bf616a; }\n"),
            ("prose", "README.md", "Generate a token with `gh auth token` and export it as GITHUB_TOKEN; never commit it.\n"),
            ("prose", "docs/keys.rst", "Keys look like ``AKIA`` followed by 16 characters, e.g. AKIA................\n"),
            ("url", "app/links.py", 'DOCS = "https://docs.acme.io/api/v1/tokens?page=2&per_page=50"\n'),
            ("url", "app/db.py", 'DATABASE_URL = "postgresql://localhost/orders"\nREDIS = "redis://redis:6379/0"\n'),
            ("git-sha", "ci/pins.yaml", f"- uses: actions/checkout@{chars(h, 40)}\n"),
            ("git-sha", ".github/workflows/ci.yml", f"      GITHUB_SHA: {chars(h, 40)}\n"),
            # identifiers and public values that sit beside a provider's key, under the provider's name
            ("provider-id", "app/settings.py", f'HEROKU_APP_ID = "{fill(UUID_T)}"\nAZURE_TENANT_ID = "{fill(UUID_T)}"\n'),
            ("provider-id", "config/app.yaml", f"cloudflare_zone_id: {chars(h, 32)}\ncloudflare_account_id: {chars(h, 32)}\n"),
            ("provider-id", ".env", f"ALGOLIA_APP_ID={chars(ALPHABETS['U'], 10)}\nALGOLIA_SEARCH_API_KEY={chars(h, 32)}\n"),
            ("provider-id", ".env", f"TWILIO_ACCOUNT_SID=AC{chars(h, 32)}\nSLACK_CHANNEL_ID=C{chars(ALPHABETS['U'], 10)}\n"),
            ("provider-id", "app/settings.py", f'DISCORD_CLIENT_ID = "{chars(ALPHABETS["d"], 18)}"\nAWS_ACCOUNT_ID = "{chars(ALPHABETS["d"], 12)}"\n'),
            ("provider-id", "src/env.js", f"const launchdarklyClientSideId = '{chars(h, 24)}';\nconst sentryProjectId = '{chars(ALPHABETS['d'], 7)}';\n"),
            ("provider-id", "config/app.json", '{"datadog_site": "datadoghq.eu", "okta_org_url": "https://acme.okta.com", "mailgun_domain": "mg.acme.io"}\n'),
            ("public-key", "web/.env", f"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_live_{chars(ALPHABETS['A'], 99)}\nNEXT_PUBLIC_POSTHOG_KEY=phc_{chars(ALPHABETS['A'], 43)}\n"),
            ("public-key", "web/map.js", f"mapboxgl.accessToken = 'pk.eyJ1Ijoi{chars(ALPHABETS['u'], 40)}.{chars(ALPHABETS['u'], 22)}';\n"),
            ("public-key", "app/settings.py", f'SENTRY_DSN = "https://{chars(h, 32)}@o{chars(ALPHABETS["d"], 6)}.ingest.sentry.io/{chars(ALPHABETS["d"], 7)}"\n'),
            ("public-key", "app/settings.py", f'GOOGLE_CLIENT_ID = "{chars(ALPHABETS["d"], 12)}-{chars(ALPHABETS["a"], 32)}.apps.googleusercontent.com"\n'),
            ("public-key", "keys/release.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "\n".join(chars(ALPHABETS["b"], 64) for _ in range(6)) + "\n-----END PGP PUBLIC KEY BLOCK-----\n"),
            ("public-key", "k8s/webhook.yaml", f"    caBundle: {b64(('-----BEGIN CERTIFICATE-----' + chr(10) + chars(ALPHABETS['b'], 300)).encode())}\n"),
            ("hash", "web/index.html", f'<script src="/app.js" integrity="sha384-{b64(rng.randbytes(48))}" crossorigin="anonymous"></script>\n'),
            ("hash", "home/.ssh/known_hosts", f"|1|{b64(rng.randbytes(20))}|{b64(rng.randbytes(20))} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{chars(ALPHABETS['b'], 43)}\n"),
            ("code", "app/tokens.py", 'PREFIX = "sk_live_"\ntoken = f"ghp_{secrets.token_urlsafe(27)}"\n'),
            ("code", "web/vendor.min.js", f'var _0x{chars(h, 4)}=["{chars(ALPHABETS["u"], 40)}","{chars(ALPHABETS["u"], 32)}"];function t(e){{return e.token=_0x{chars(h, 4)}[0]}}\n'),
            ("identifier", "data/managed_policies.json", '{"AWSDataExchangeReadOnly": "arn:aws:iam::aws:policy/AWSDataExchangeReadOnly",\n "AWSDataExchangeServiceRolePolicyForLicenseManagement": "arn:aws:iam::aws:policy/x"}\n'),
            ("identifier", "data/policies.json", '["CloudWatchSyntheticsReadOnlyAccess", "CloudwatchApplicationInsightsServiceLinkedRolePolicy"]\n'),
            ("documented-example", "docs/lightsail.rst", '"privateKeyBase64": "-----BEGIN RSA PRIVATE KEY-----EXAMPLE' + chars(ALPHABETS["b"], 200) + '\\n-----END RSA PRIVATE KEY-----"\n'),
            ("code", "tests/test_hmac.py", 'key = b"\\x0b" * 20  # RFC 4231 test case 1\ndata = b"Hi There"\n'),
        ]
    return out


def _render(rule: str, shape: Shape, index: int, value: str) -> tuple[str, str, str]:
    """(path, text, the value as it is written there)."""
    if shape.contexts:
        path, line = shape.contexts[index % len(shape.contexts)]
        if line is None:  # a key inside a JSON document, newlines escaped: the secret is what is written
            written = json.dumps(value)[1:-1]
            return path, '{"type": "service_account", "private_key": "' + written + '\\n"}\n', written
        return path, line.replace("{v}", value).replace("{{", "{").replace("}}", "}"), value
    # Each rule gets its own spread of contexts (a stable function of its id), so that together the
    # rules cover every way of writing a value and no two neighbours test the same three.
    context = CONTEXTS[DEFAULT_ORDER[(zlib.crc32(rule.encode()) + index * 5) % len(DEFAULT_ORDER)]]
    return (*context(shape.name, value), value)


def samples() -> list[dict[str, object]]:
    sys_rules = _rule_families()
    out: list[dict[str, object]] = []

    def add(family: str, rule: str | None, label: str, kind: str, path: str, text: str, value: str = "") -> None:
        out.append({"id": f"{len(out):05d}", "family": family, "rule": rule, "label": label, "kind": kind, "path": path,
                    "text": text, "value": value})

    missing = sorted(set(sys_rules) - set(SHAPES))
    if missing:
        raise SystemExit(f"no shape for: {', '.join(missing)}")
    for rule, shape in SHAPES.items():
        family = sys_rules[rule]
        if shape.paths:
            for path in shape.paths:
                add(family, rule, "positive", "file-name", path, "", "")
            for path in ("certs/client.crt", "docs/keystore.md", "keys/deploy.pub"):
                add(family, rule, "negative", "file-name", path, "")
            continue
        for i in range(3 if shape.contexts else 4):
            path, text, value = _render(rule, shape, i, shape.make())
            add(family, rule, "positive", "credential", path, text, value)
        # negatives of the same shape
        holder = shape.placeholder or (shape.make("placeholder") if not callable(shape.value) else "xxxxxxxxxxxxxxxxxxxxxxxx")
        path, text, _ = _render(rule, shape, 0, holder)
        add(family, rule, "negative", "placeholder", path, text)
        name = shape.name or "SECRET_VALUE"
        add(family, rule, "negative", "reference", "app/settings.py", f'{name} = os.environ["{name}"]\n')
        if not callable(shape.value):
            add(family, rule, "negative", "too-short", "app/labels.py", f'label = "{shape.make("short")}"\n')
        else:
            add(family, rule, "negative", "reference", ".env.template", f"{name}=${{{name}}}\n")
        if shape.invalid is not None:
            for i in range(2):
                path, text, _ = _render(rule, shape, i, shape.invalid())
                add(family, rule, "negative", "invalid-checksum", path, text)
    for family, examples in DOCUMENTED_EXAMPLES.items():
        for path, text in examples:
            add(family, None, "negative", "documented-example", path, text)
    for kind, path, text in hard_negatives():
        add("hard-negative", None, "negative", kind, path, text)
    return out


def _rule_families() -> dict[str, str]:
    """Rule id -> family, read from the pack itself (the corpus must cover every rule)."""
    import tomllib

    pack = Path(__file__).resolve().parents[3] / "plugins" / "secrets" / "rules.toml"
    return {r["id"]: r.get("family", "custom") for r in tomllib.loads(pack.read_text("utf-8"))["rules"]}


def main() -> None:
    rows = samples()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, sort_keys=True) + "\n")
    positives = sum(r["label"] == "positive" for r in rows)
    print(f"{OUT.name}: {len(rows)} samples ({positives} positive, {len(rows) - positives} negative)")


if __name__ == "__main__":
    main()
