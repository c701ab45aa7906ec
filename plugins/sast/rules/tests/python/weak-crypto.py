# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import hashlib

from Crypto.Cipher import AES, ARC4, DES
from Crypto.PublicKey import RSA
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def fingerprints(data, password):
    # ruleid: gatecheck.python.weak-hash
    a = hashlib.md5(data).hexdigest()
    # ruleid: gatecheck.python.weak-hash
    b = hashlib.sha1(password.encode()).hexdigest()
    # ruleid: gatecheck.python.weak-hash
    c = hashlib.new("md5", data)
    # ok: gatecheck.python.weak-hash
    d = hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: gatecheck.python.weak-hash
    e = hashlib.sha256(data).hexdigest()
    # ok: gatecheck.python.weak-hash
    f = hashlib.new("sha256", data)
    # ok: gatecheck.python.weak-hash
    g = hashlib.sha1().block_size
    return a, b, c, d, e, f, g


def hmac_digest(key, msg):
    # ok: gatecheck.python.weak-hash
    return hmac.new(key, msg, digestmod=hashlib.sha1).hexdigest()


def encrypt(key, data):
    # ruleid: gatecheck.python.weak-cipher
    c1 = DES.new(key, DES.MODE_CBC)
    # ruleid: gatecheck.python.weak-cipher
    c2 = ARC4.new(key)
    # ruleid: gatecheck.python.weak-cipher
    c3 = AES.new(key, AES.MODE_ECB)
    # ruleid: gatecheck.python.weak-cipher
    c4 = Cipher(algorithms.AES(key), modes.ECB())
    # ok: gatecheck.python.weak-cipher
    c5 = AES.new(key, AES.MODE_GCM)
    # ok: gatecheck.python.weak-cipher
    c6 = Cipher(algorithms.AES(key), modes.CBC(iv))
    return c1, c2, c3, c4, c5, c6


def keys():
    # ruleid: gatecheck.python.weak-key-size
    k1 = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    # ok: gatecheck.python.weak-key-size
    k2 = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    # ruleid: gatecheck.python.weak-key-size
    k3 = RSA.generate(512)
    # ruleid: gatecheck.python.weak-key-size
    k4 = ec.generate_private_key(ec.SECP192R1())
    # ok: gatecheck.python.weak-key-size
    k5 = ec.generate_private_key(ec.SECP384R1())
    return k1, k2, k3, k4, k5
