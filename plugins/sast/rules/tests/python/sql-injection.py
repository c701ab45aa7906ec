# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import sqlite3

from django.db.models.expressions import RawSQL
from sqlalchemy import text


def by_name(conn, name):
    query = "SELECT id FROM users WHERE name = '%s'" % name
    # ruleid: gatecheck.python.sql-string-formatting
    return conn.execute(query).fetchall()


def by_email(cursor, email):
    # ruleid: gatecheck.python.sql-string-formatting
    cursor.execute(f"SELECT id FROM users WHERE email = '{email}'")


def delete(conn, table_id):
    # ruleid: gatecheck.python.sql-string-formatting
    conn.execute(text("DELETE FROM items WHERE id = " + table_id))


def bound(cursor, name):
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute("SELECT id FROM users WHERE name = %s", (name,))


def quoted_identifiers(self, cursor, table, column):
    qn = self.connection.ops.quote_name
    sql = "SELECT %s FROM %s" % (qn(column), qn(table))
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute(sql)
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute("DROP TABLE %s" % self.connection.ops.quote_name(table))


def placeholders(cursor, ids):
    sql = "SELECT * FROM t WHERE id IN (%s)" % ", ".join(["%s"] * len(ids))
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute(sql, ids)
    # ok: gatecheck.python.sql-string-formatting
    cursor.execute("SELECT * FROM t LIMIT %d" % int(limit))


def not_sql(log, name):
    message = "select a name: %s" % name
    # ok: gatecheck.python.sql-string-formatting
    log.execute(message)


def annotate(qs, column, value):
    # ruleid: gatecheck.python.django-extra-rawsql
    qs.extra(where=["%s = '%s'" % (column, value)])
    # ok: gatecheck.python.django-extra-rawsql
    qs.extra(where=["price > 0"])
    # ruleid: gatecheck.python.django-extra-rawsql
    qs.annotate(val=RawSQL(column + " * 2", ()))
    # ok: gatecheck.python.django-extra-rawsql
    qs.annotate(val=RawSQL("SELECT col FROM t WHERE id = %s", (value,)))
