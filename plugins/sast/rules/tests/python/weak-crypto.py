# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import hashlib

from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def positives(user_id, key, data):
    # ruleid: gatecheck.python.weak-hash
    token = hashlib.md5(str(user_id).encode()).hexdigest()
    # ruleid: gatecheck.python.weak-hash
    sig = hashlib.sha1(data).hexdigest()
    # ruleid: gatecheck.python.weak-hash
    h = hashlib.new("md5", data)
    # ruleid: gatecheck.python.weak-cipher
    c1 = DES.new(key, DES.MODE_CBC)
    # ruleid: gatecheck.python.weak-cipher
    c2 = AES.new(key, AES.MODE_ECB)
    # ruleid: gatecheck.python.weak-cipher
    c3 = Cipher(algorithms.AES(key), modes.ECB())
    # ruleid: gatecheck.python.weak-cipher
    c4 = Cipher(algorithms.ARC4(key), mode=None)
    return token, sig, h, c1, c2, c3, c4


def negatives(data, key, nonce):
    # ok: gatecheck.python.weak-hash
    etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: gatecheck.python.weak-hash
    digest = hashlib.sha256(data).hexdigest()
    # ok: gatecheck.python.weak-hash
    h = hashlib.new("sha256", data)
    # ok: gatecheck.python.weak-cipher
    c1 = AES.new(key, AES.MODE_GCM, nonce=nonce)
    # ok: gatecheck.python.weak-cipher
    c2 = Cipher(algorithms.AES(key), modes.GCM(nonce))
    return etag, digest, h, c1, c2
