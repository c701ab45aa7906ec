# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import random
import secrets
import string

from flask import make_response, session


def make_reset_link(user):
    # ruleid: gatecheck.python.insecure-random-secret, gatecheck.python.insecure-random
    reset_token = "".join(random.choice(string.ascii_letters) for _ in range(32))
    # ok: gatecheck.python.insecure-random-secret
    safe_token = secrets.token_urlsafe(32)
    return reset_token, safe_token


def remember_me():
    # ruleid: gatecheck.python.insecure-random
    value = str(random.getrandbits(64))
    resp = make_response("ok")
    # ruleid: gatecheck.python.insecure-random-secret
    resp.set_cookie("rememberMe", value, secure=True, httponly=True)
    return resp


def store_nonce():
    # ruleid: gatecheck.python.insecure-random
    n = random.randint(0, 10**9)
    # ruleid: gatecheck.python.insecure-random-secret
    session["login_nonce"] = n


def generate_api_key():
    alphabet = string.ascii_letters + string.digits
    # ruleid: gatecheck.python.insecure-random-secret, gatecheck.python.insecure-random
    return "".join(random.choices(alphabet, k=40))


def shuffle_deck(cards):
    # ok: gatecheck.python.insecure-random-secret
    deck_size = len(cards)
    # ruleid: gatecheck.python.insecure-random
    order = random.sample(cards, len(cards))
    # ruleid: gatecheck.python.insecure-random
    delay = random.uniform(0.5, 1.5)
    return order, delay


def retry_jitter():
    # ruleid: gatecheck.python.insecure-random
    return random.random() * 0.1


def system_rng():
    rng = random.SystemRandom()
    # ok: gatecheck.python.insecure-random
    return rng.randint(0, 100)


def instance_generator():
    rng = random.Random()
    # ruleid: gatecheck.python.insecure-random-secret, gatecheck.python.insecure-random
    csrf_token = rng.getrandbits(64)
    return csrf_token


class Block:
    """A rich-text editor's block (wagtail's Draft.js converter): its key is an element id."""

    def __init__(self, key=None):
        # Not insecure-random-secret (an element id, a count): only the low-severity rule.
        # ruleid: gatecheck.python.insecure-random
        self.key = key if key else "".join(random.choice(string.ascii_lowercase) for _ in range(5))
        # ruleid: gatecheck.python.insecure-random
        self.max_tokens = random.randint(10, 20)


def make_keys():
    # ruleid: gatecheck.python.insecure-random-secret, gatecheck.python.insecure-random
    signing_key = random.randbytes(32)
    # ruleid: gatecheck.python.insecure-random-secret, gatecheck.python.insecure-random
    private_key = random.getrandbits(256)
    return signing_key, private_key
