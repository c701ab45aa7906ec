# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import sqlite3

import sqlalchemy
from sqlalchemy import text


def positives(conn, cursor, customer, session, User):
    query = "SELECT id, total FROM orders WHERE customer = '%s'" % customer
    # ruleid: gatecheck.python.sql-string-formatting
    conn.execute(text(query))
    # ruleid: gatecheck.python.sql-string-formatting
    cursor.execute("SELECT * FROM users WHERE name = '{}'".format(customer))
    # ruleid: gatecheck.python.sql-string-formatting
    cursor.execute(f"SELECT * FROM users WHERE name = '{customer}'")
    # ruleid: gatecheck.python.sql-string-formatting
    cursor.execute(f"DELETE FROM sessions WHERE user_id = {customer}")
    # ruleid: gatecheck.python.sql-string-formatting
    cursor.execute("UPDATE users SET active = 0 WHERE name = '" + customer + "'")
    # ruleid: gatecheck.python.sql-string-formatting
    User.objects.raw("SELECT * FROM auth_user WHERE username = '%s'" % customer)
    # ruleid: gatecheck.python.sql-string-formatting
    stmt = sqlalchemy.text("select * from t where a = " + customer)
    # ruleid: gatecheck.python.sql-string-formatting
    session.execute(sqlalchemy.text("select * from t where a = " + customer))
    return stmt


def negatives(conn, cursor, customer, log):
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute("SELECT * FROM users WHERE name = %s", (customer,))
    # ok: gatecheck.python.sql-string-formatting
    conn.execute(text("SELECT id FROM orders WHERE customer = :c"), {"c": customer})
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute("SELECT 1")
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute(f"SELECT id FROM orders")
    label = f"selected {customer}"
    # ok: gatecheck.python.sql-string-formatting
    log.execute(label)
    message = "hello %s" % customer
    # ok: gatecheck.python.sql-string-formatting
    log.execute(message)
    db = sqlite3.connect(":memory:")
    # ok: gatecheck.python.sql-string-formatting
    db.execute("INSERT INTO t VALUES (?)", (customer,))
