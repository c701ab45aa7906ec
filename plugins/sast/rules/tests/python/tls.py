# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import ssl

import paramiko
import requests
import urllib3


def fetch(url):
    # ruleid: gatecheck.python.tls-verify-disabled
    r = requests.get(url, verify=False, timeout=5)
    # ok: gatecheck.python.tls-verify-disabled
    r2 = requests.get(url, verify="/etc/ssl/internal-ca.pem", timeout=5)
    return r, r2


def context():
    ctx = ssl.create_default_context()
    # ruleid: gatecheck.python.tls-verify-disabled
    ctx.check_hostname = False
    # ruleid: gatecheck.python.tls-verify-disabled
    ctx.verify_mode = ssl.CERT_NONE
    # ruleid: gatecheck.python.tls-verify-disabled
    return ssl._create_unverified_context()


def client_context(verify):
    ctx = ssl.create_default_context()
    if not verify:
        # ok: gatecheck.python.tls-verify-disabled
        ctx.check_hostname = False
        # ok: gatecheck.python.tls-verify-disabled
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def old_protocols(sock):
    # ruleid: gatecheck.python.weak-tls-version
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    # ok: gatecheck.python.weak-tls-version
    ctx2 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # ok: gatecheck.python.weak-tls-version
    ctx2.options |= ssl.OP_NO_TLSv1
    # ruleid: gatecheck.python.ssl-wrap-socket
    wrapped = ssl.wrap_socket(sock)
    # ok: gatecheck.python.ssl-wrap-socket
    wrapped2 = ctx2.wrap_socket(sock, server_hostname="example.com")
    return ctx, wrapped, wrapped2


def connect(host):
    client = paramiko.SSHClient()
    # ruleid: gatecheck.python.ssh-host-key-not-verified
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    # ok: gatecheck.python.ssh-host-key-not-verified
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host)


def open_url(url, validate_certs=True):
    if url.startswith("https://"):
        # ruleid: gatecheck.python.tls-verify-disabled
        return requests.get(url, verify=False, timeout=5)
    ctx = ssl.create_default_context()
    if not validate_certs:
        # ok: gatecheck.python.tls-verify-disabled
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SSLConfig:
    def load_ssl_context(self):
        if self.verify:
            return self.load_ssl_context_verify()
        return self.load_ssl_context_no_verify()

    def load_ssl_context_no_verify(self):
        context = ssl.create_default_context()
        # ok: gatecheck.python.tls-verify-disabled
        context.check_hostname = False
        # ok: gatecheck.python.tls-verify-disabled
        context.verify_mode = ssl.CERT_NONE
        return context

    def load_ssl_context_verify(self):
        context = ssl.create_default_context()
        # ruleid: gatecheck.python.tls-verify-disabled
        context.check_hostname = False
        return context


def make_ssl_context(verified):
    """aiohttp's connector: the verified context first, the unverified one only when asked."""
    if ssl is None:
        return None
    if verified:
        return ssl.create_default_context()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # ok: gatecheck.python.tls-verify-disabled
    context.check_hostname = False
    # ok: gatecheck.python.tls-verify-disabled
    context.verify_mode = ssl.CERT_NONE
    return context


def quick_context(host):
    if ssl is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # ruleid: gatecheck.python.tls-verify-disabled
    context.check_hostname = False
    # ruleid: gatecheck.python.tls-verify-disabled
    context.verify_mode = ssl.CERT_NONE
    return context
