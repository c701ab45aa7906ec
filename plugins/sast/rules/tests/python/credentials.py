# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import psycopg2

# ruleid: gatecheck.python.hardcoded-password
DB_PASSWORD = "Tr0ub4dor&3"
# ok: gatecheck.python.hardcoded-password
DB_PASSWORD_ENV = "DB_PASSWORD"
# ok: gatecheck.python.hardcoded-password
PASSWORD_FIELD = "password"
# ok: gatecheck.python.hardcoded-password
password = ""
# ok: gatecheck.python.hardcoded-password
api_key = os.environ["API_KEY"]


def connect():
    # ruleid: gatecheck.python.hardcoded-password
    return psycopg2.connect(host="db", user="app", password="s3cr3t-pw")


def login(
    user,
    # ruleid: gatecheck.python.hardcoded-password
    password="hunter22",
):
    pass


def check(password):
    # ruleid: gatecheck.python.hardcoded-password
    if password == "letmein!":
        return True
    # ok: gatecheck.python.hardcoded-password
    if password == "":
        return False
    # ok: gatecheck.python.hardcoded-password
    settings = {"password": "{{ vault_password }}"}
    return settings
