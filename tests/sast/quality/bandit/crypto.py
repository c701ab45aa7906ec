# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import hashlib
import random
import ssl

from Crypto.Cipher import AES, ARC2, ARC4, DES, XOR, Blowfish  # expect: B413
from Crypto.Hash import MD5 as CryptoMD5  # expect: B413
from Crypto.PublicKey import DSA, RSA  # expect: B413
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def digests(data):
    a = hashlib.md5(data).hexdigest()  # expect: B324
    b = hashlib.sha1(data).hexdigest()  # expect: B324
    c = hashlib.new("md5", data)  # expect: B324
    d = hashlib.new("sha1")  # expect: B324
    e = CryptoMD5.new(data)  # expect: B303
    f = hashes.Hash(hashes.MD5())  # expect: B303
    g = hashes.Hash(hashes.SHA1())  # expect: B303
    return a, b, c, d, e, f, g


def ciphers(key, iv):
    c1 = DES.new(key, DES.MODE_CBC, iv)  # expect: B304
    c2 = ARC4.new(key)  # expect: B304
    c3 = Blowfish.new(key, Blowfish.MODE_CBC, iv)  # expect: B304
    c4 = ARC2.new(key, ARC2.MODE_CFB, iv)  # expect: B304
    c5 = XOR.new(key)  # expect: B304
    c6 = Cipher(algorithms.TripleDES(key), modes.CBC(iv))  # expect: B304
    c7 = Cipher(algorithms.Blowfish(key), modes.CBC(iv))  # expect: B304
    c8 = Cipher(algorithms.AES(key), modes.ECB())  # expect: B305
    c9 = AES.new(key, AES.MODE_ECB)  # expect: B305
    return c1, c2, c3, c4, c5, c6, c7, c8, c9


def keys():
    k1 = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # expect: B505
    k2 = dsa.generate_private_key(key_size=512)  # expect: B505
    k3 = ec.generate_private_key(ec.SECP192R1())  # expect: B505
    k4 = RSA.generate(1024)  # expect: B505
    k5 = DSA.generate(512)  # expect: B505
    return k1, k2, k3, k4, k5


def tokens():
    session_id = random.getrandbits(128)  # expect: B311
    pin = random.randint(1000, 9999)  # expect: B311
    pick = random.choice("abcdef")  # expect: B311
    return session_id, pin, pick


def tls(sock, host, port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_SSLv3)  # expect: B502
    ctx2 = ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # expect: B502
    wrapped = ssl.wrap_socket(sock)  # expect: B504
    unverified = ssl._create_unverified_context()  # expect: B323
    return ctx, ctx2, wrapped, unverified


def connect_legacy(sock, version=ssl.PROTOCOL_TLSv1_1):  # expect: B503
    return ssl.SSLContext(version)
