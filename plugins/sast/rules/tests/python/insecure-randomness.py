# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import random
import secrets
import string


def positives(user):
    # ruleid: gatecheck.python.insecure-random-secret
    reset_token = "".join(random.choice(string.ascii_letters) for _ in range(32))
    # ruleid: gatecheck.python.insecure-random-secret
    user.password = str(random.getrandbits(64))
    # ruleid: gatecheck.python.insecure-random-secret
    otp = random.randint(100000, 999999)
    return reset_token, otp


def make_session_token():
    # ruleid: gatecheck.python.insecure-random-secret
    return "%032x" % random.getrandbits(128)


def negatives(items):
    # ok: gatecheck.python.insecure-random-secret
    reset_token = secrets.token_urlsafe(32)
    # ok: gatecheck.python.insecure-random-secret
    sample = random.choice(items)
    # ok: gatecheck.python.insecure-random-secret
    delay = random.uniform(0.5, 1.5)
    return reset_token, sample, delay


def pick_colour(colours):
    # ok: gatecheck.python.insecure-random-secret
    return random.choice(colours)
