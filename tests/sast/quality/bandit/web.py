# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import jinja2
from django.db.models.expressions import RawSQL
from django.utils.safestring import mark_safe
from flask import Flask
from mako.template import Template as MakoTemplate
from markupsafe import Markup

app = Flask(__name__)


def render(comment, body, template_dir):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir))  # expect: B701
    env2 = jinja2.Environment(autoescape=False)  # expect: B701
    page = MakoTemplate(body)  # expect: B702
    safe = mark_safe(comment)  # expect: B308, B703
    markup = Markup(comment)  # expect: B704
    return env, env2, page, safe, markup


def queries(qs, cursor, column, value):
    qs.extra(select={"total": "price * " + column})  # expect: B610
    qs.annotate(val=RawSQL("SELECT %s FROM t" % column, ()))  # expect: B611
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % value)  # expect: B608
    cursor.execute("DELETE FROM sessions WHERE id = " + value)  # expect: B608
    cursor.execute(f"UPDATE items SET price = {value} WHERE id = 1")  # expect: B608


if __name__ == "__main__":
    app.run(debug=True)  # expect: B201
