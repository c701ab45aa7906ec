# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
# semgrep --test cases for web-taint.yaml: request data flowing into dangerous operations.
import os
import pickle
import sqlite3
import subprocess
from pathlib import Path

import ldap
import requests
import yaml
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect as django_redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, Response, jsonify, redirect, render_template, render_template_string, request, send_file, session, url_for
from jinja2 import Template
from lxml import etree
from PIL import ImageMath
from markupsafe import Markup, escape
from sqlalchemy import text
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
db = sqlite3.connect("app.db")
UPLOADS = Path("/srv/uploads")
ALLOWED_SORT = {"name", "created"}


# --- SQL injection -------------------------------------------------------------------------

@app.route("/users")
def users_by_name():
    name = request.args.get("name", "")
    query = "SELECT id, email FROM users WHERE name = '" + name + "'"
    # ruleid: gatecheck.python.sql-injection
    return jsonify(db.execute(query).fetchall())


@app.route("/orders/<customer>")
def orders(customer):
    sql = f"SELECT * FROM orders WHERE customer = '{customer}'"
    with engine.connect() as conn:
        # ruleid: gatecheck.python.sql-injection
        rows = conn.execute(text(sql)).fetchall()
    return jsonify([dict(r._mapping) for r in rows])


def django_search(request):
    term = request.GET["q"]
    # ruleid: gatecheck.python.sql-injection
    people = Person.objects.raw("SELECT * FROM people WHERE name LIKE '%%%s%%'" % term)
    return HttpResponse(len(list(people)))


@app.route("/users/safe")
def users_bound():
    name = request.args.get("name", "")
    # ok: gatecheck.python.sql-injection
    return jsonify(db.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchall())


@app.route("/users/sorted")
def users_sorted():
    column = request.args.get("sort", "name")
    if column not in ALLOWED_SORT:
        column = "name"
        return jsonify([])
    # ok: gatecheck.python.sql-injection
    return jsonify(db.execute("SELECT id FROM users ORDER BY " + column).fetchall())


@app.route("/users/<user_id>")
def user_by_id(user_id):
    # ok: gatecheck.python.sql-injection
    return jsonify(db.execute("SELECT * FROM users WHERE id = %d" % int(user_id)).fetchall())


@app.route("/orm")
def orm_query():
    name = request.args["name"]
    stmt = select(User).where(User.name == name)
    # ok: gatecheck.python.sql-injection
    return jsonify(session_factory().execute(stmt).all())


# --- command injection ---------------------------------------------------------------------

@app.route("/ping")
def ping():
    host = request.args.get("host")
    # ruleid: gatecheck.python.command-injection
    os.system("ping -c 1 " + host)
    # ruleid: gatecheck.python.command-injection
    subprocess.check_output(f"nslookup {host}", shell=True)
    # ok: gatecheck.python.command-injection
    subprocess.run(["ping", "-c", "1", host], check=True)
    # ok: gatecheck.python.command-injection
    os.system("ping -c 1 " + shlex.quote(host))
    return "done"


@app.post("/tools/<tool>")
def run_tool(tool):
    # ruleid: gatecheck.python.command-injection
    return subprocess.run([tool, "--version"], capture_output=True).stdout


def convert(request):
    fmt = request.POST.get("format")
    # ruleid: gatecheck.python.command-injection
    subprocess.run(["sh", "-c", "convert in.png out." + fmt])
    return HttpResponse("ok")


# --- code injection ------------------------------------------------------------------------

@app.route("/calc")
def calc():
    expr = request.args.get("expr", "1+1")
    # ruleid: gatecheck.python.code-injection
    result = eval(expr)
    # ok: gatecheck.python.code-injection
    numbers = ast.literal_eval(expr)
    # ok: gatecheck.python.code-injection
    fixed = eval("1 + 2")
    return jsonify(result=result, numbers=numbers, fixed=fixed)


@app.route("/image/math")
def image_math():
    # ruleid: gatecheck.python.code-injection
    return str(ImageMath.eval(request.args["formula"], a=1))


def repl():
    # ok: gatecheck.python.code-injection
    exec(input(">>> "))


# --- path traversal ------------------------------------------------------------------------

@app.route("/download")
def download():
    name = request.args.get("file")
    # ruleid: gatecheck.python.path-traversal
    return send_file(os.path.join("/srv/files", name))


@app.route("/read/<path:name>")
def read(name):
    # ruleid: gatecheck.python.path-traversal
    with open("/srv/files/" + name) as fh:
        return fh.read()


@app.route("/avatar")
def avatar():
    # ruleid: gatecheck.python.path-traversal
    return (UPLOADS / request.args["name"]).read_bytes()


@app.post("/upload")
def upload():
    f = request.files["file"]
    safe = secure_filename(f.filename)
    # ok: gatecheck.python.path-traversal
    with open(os.path.join("/srv/uploads", safe), "wb") as out:
        out.write(f.read())
    return "ok"


@app.route("/read-safe")
def read_safe():
    name = request.args["name"]
    full = os.path.realpath(os.path.join("/srv/files", name))
    if not full.startswith("/srv/files/"):
        return "forbidden", 403
    # ok: gatecheck.python.path-traversal
    with open(full) as fh:
        return fh.read()


@app.route("/base")
def read_basename():
    # ok: gatecheck.python.path-traversal
    return open(os.path.join("/srv/files", os.path.basename(request.args["f"]))).read()


# --- SSRF ----------------------------------------------------------------------------------

@app.route("/fetch")
def fetch():
    url = request.args["url"]
    # ruleid: gatecheck.python.ssrf
    return requests.get(url, timeout=5).text


@app.route("/proxy")
def proxy():
    with requests.Session() as s:
        # ruleid: gatecheck.python.ssrf
        return s.get(request.args["target"], timeout=5).content


@app.route("/weather")
def weather():
    city = request.args["city"]
    # ok: gatecheck.python.ssrf
    return requests.get("https://api.weather.example/v1/" + city, timeout=5).text


@app.route("/weather2")
def weather2():
    # ok: gatecheck.python.ssrf
    return requests.get(f"https://api.weather.example/v1/{request.args['city']}", timeout=5).text


# --- open redirect -------------------------------------------------------------------------

@app.route("/login/done")
def login_done():
    target = request.args.get("next", "/")
    # ruleid: gatecheck.python.open-redirect
    return redirect(target)


def django_done(request):
    # ruleid: gatecheck.python.open-redirect
    return HttpResponseRedirect(request.GET.get("next"))


def django_done_safe(request):
    nxt = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        # ok: gatecheck.python.open-redirect
        return django_redirect(nxt)
    return django_redirect("/")


@app.route("/profile/go")
def profile_go():
    # ok: gatecheck.python.open-redirect
    return redirect(url_for("profile", name=request.args["name"]))


@app.route("/tab")
def tab():
    # ok: gatecheck.python.open-redirect
    return redirect("/dashboard/" + request.args["tab"])


# --- server-side template injection --------------------------------------------------------

@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # ruleid: gatecheck.python.template-injection
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/greet")
def greet():
    # ruleid: gatecheck.python.template-injection
    return Template(request.form["tpl"]).render()


@app.route("/hello-safe")
def hello_safe():
    # ok: gatecheck.python.template-injection
    return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args.get("name"))


# --- XSS -----------------------------------------------------------------------------------

@app.route("/search")
def search():
    q = request.args.get("q", "")
    # ruleid: gatecheck.python.xss
    return "<p>Results for " + q + "</p>"


@app.route("/search2")
def search2():
    q = request.args.get("q", "")
    # ruleid: gatecheck.python.xss
    return Markup(f"<p>Results for {q}</p>")


@app.route("/search-safe")
def search_safe():
    q = request.args.get("q", "")
    # ok: gatecheck.python.xss
    return "<p>Results for " + escape(q) + "</p>"


@app.route("/search-template")
def search_template():
    # ok: gatecheck.python.xss
    return render_template("search.html", q=request.args.get("q"))


@app.route("/search-json")
def search_json():
    # ok: gatecheck.python.xss
    return {"q": request.args.get("q")}


@app.route("/search-text")
def search_text():
    # ok: gatecheck.python.xss
    return Response(request.args.get("q"), mimetype="text/plain")


def django_preview(request):
    # A document rendered from the request and served with the type its generator reports
    # (a PDF preview): not HTML the view assembled.
    name, mimet, data = render_preview(request.POST.get("layout"))
    # ok: gatecheck.python.xss
    return HttpResponse(data, content_type=mimet)


def django_echo_html(request):
    # ruleid: gatecheck.python.xss
    return HttpResponse(request.GET["q"], content_type="text/html; charset=utf-8")


def django_comment(request):
    body = request.POST["body"]
    # ruleid: gatecheck.python.xss
    return HttpResponse("<div>" + body + "</div>")


def django_banner(request):
    # ruleid: gatecheck.python.xss
    return render(request, "banner.html", {"banner": mark_safe(request.GET["msg"])})


@api.get("/page", response_class=HTMLResponse)
def page(title: str):
    # ruleid: gatecheck.python.xss
    return HTMLResponse("<title>" + title + "</title>")


# --- XXE -----------------------------------------------------------------------------------

@app.post("/xml")
def parse_xml():
    parser = etree.XMLParser(resolve_entities=True)
    # ruleid: gatecheck.python.xxe
    doc = etree.fromstring(request.data, parser)
    # ruleid: gatecheck.python.xxe
    legacy = etree.fromstring(request.get_data())
    safe_parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: gatecheck.python.xxe
    safe = etree.fromstring(request.data, safe_parser)
    return jsonify(doc.tag, legacy.tag, safe.tag)


@app.post("/sax")
def parse_sax():
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    # ruleid: gatecheck.python.xxe
    parser.parse(request.files["doc"])
    return "ok"


# --- XPath injection -----------------------------------------------------------------------

@app.route("/staff")
def staff():
    tree = etree.parse("staff.xml")
    name = request.args["name"]
    # ruleid: gatecheck.python.xpath-injection
    found = tree.xpath("//employee[@name='" + name + "']")
    # ok: gatecheck.python.xpath-injection
    same = tree.xpath("//employee[@name=$name]", name=name)
    # ok: gatecheck.python.xpath-injection
    position = name.find("x")
    # ruleid: gatecheck.python.xpath-injection
    first = tree.getroot().find(f".//employee[@name='{name}']")
    # ok: gatecheck.python.xpath-injection
    where = tree.getroot().find(".//employee[@name='x']")
    return jsonify(len(found), len(same), position, first, where)


@app.route("/asset/<name>")
def asset(name):
    # Django's staticfiles finders look a relative name up under the configured static
    # directories (safe_join: "../" raises SuspiciousFileOperation); the name is no XPath either,
    # although this module imports lxml.
    # ok: gatecheck.python.path-traversal, gatecheck.python.xpath-injection
    with open(finders.find(name)) as fh:
        return fh.read()


# --- LDAP injection ------------------------------------------------------------------------

@app.route("/directory")
def directory():
    uid = request.args["uid"]
    conn = ldap.initialize("ldap://ldap.example")
    # ruleid: gatecheck.python.ldap-injection
    hits = conn.search_s("ou=people,dc=example", ldap.SCOPE_SUBTREE, "(uid=" + uid + ")")
    # ok: gatecheck.python.ldap-injection
    safe = conn.search_s("ou=people,dc=example", ldap.SCOPE_SUBTREE, "(uid=%s)" % ldap.filter.escape_filter_chars(uid))
    return jsonify(len(hits), len(safe))


# --- trust boundary ------------------------------------------------------------------------

@app.route("/prefs")
def prefs():
    # ruleid: gatecheck.python.trust-boundary-violation
    session["role"] = request.args.get("role")
    # ok: gatecheck.python.trust-boundary-violation
    session["theme"] = "dark"
    # ok: gatecheck.python.trust-boundary-violation
    session["page_size"] = int(request.args.get("size", "20"))
    return "ok"


def django_prefs(request):
    # ruleid: gatecheck.python.trust-boundary-violation
    request.session["lang"] = request.GET["lang"]
    return HttpResponse("ok")


# --- deserialization -----------------------------------------------------------------------

@app.post("/restore")
def restore():
    # ruleid: gatecheck.python.insecure-deserialization
    state = pickle.loads(request.data)
    # ruleid: gatecheck.python.insecure-deserialization
    conf = yaml.load(request.form["conf"], Loader=yaml.Loader)
    # ok: gatecheck.python.insecure-deserialization
    safe = yaml.load(request.form["conf"], Loader=yaml.SafeLoader)
    # ok: gatecheck.python.insecure-deserialization
    copy = pickle.loads(pickle.dumps(state))
    return jsonify(len(state), conf, safe, copy)


def handle(sock):
    # ruleid: gatecheck.python.insecure-deserialization
    return pickle.loads(sock.recv(4096))


# --- sources -------------------------------------------------------------------------------

@api.get("/items/{item_id}")
def read_item(item_id: str, q: str = "", settings: Settings = Depends(get_settings)):
    # ruleid: gatecheck.python.command-injection
    os.system("grep " + q + " items.txt")
    # ok: gatecheck.python.command-injection
    os.system(settings.report_command)
    return {"item_id": item_id}


def wsgi_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    # ruleid: gatecheck.python.command-injection
    os.system("echo " + environ["QUERY_STRING"])
    return [b"ok"]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        # ruleid: gatecheck.python.path-traversal
        with open("." + self.path, "rb") as fh:
            self.wfile.write(fh.read())


class ArticleView(View):
    def get(self, request, slug):
        # ruleid: gatecheck.python.sql-injection
        cursor.execute("SELECT * FROM article WHERE slug = '%s'" % slug)
        return HttpResponse("ok")


def not_a_view(config, name):
    # ok: gatecheck.python.command-injection
    os.system("systemctl restart " + name)


def login_helper(request, user):
    # ok: gatecheck.python.trust-boundary-violation
    request.session["uid"] = user.pk


def error_page(request, exc_type, exc_value, tb, status_code=500):
    # ok: gatecheck.python.xss
    return HttpResponse("<pre>%s</pre>" % exc_value, status=status_code)


def flatpage(request, url):
    page = get_object_or_404(FlatPage, url=url)
    # ok: gatecheck.python.xss
    return HttpResponse(mark_safe(page.content))


def add_slash(request):
    # ok: gatecheck.python.open-redirect
    return HttpResponseRedirect(request.path + "/")


def cached_view(request, key):
    # ok: gatecheck.python.insecure-deserialization
    return HttpResponse(pickle.loads(cache.get(key)))


ROUTES = {"a": "/tmp/a.txt"}


@app.route("/mapped")
def mapped():
    # ok: gatecheck.python.path-traversal
    first = open(ROUTES.get(request.args["k"], "/tmp/default.txt")).read()
    # ok: gatecheck.python.path-traversal
    second = open({"x": "/srv/x.css"}[request.args["k"]]).read()
    return first + second


@app.route("/markup-in-context")
def markup_in_context():
    # ruleid: gatecheck.python.xss
    return render_template("c.html", comment=Markup(request.form["text"]))


@app.route("/login-lookup", methods=["POST"])
def login_lookup():
    user = db.execute("SELECT * FROM user WHERE username = ?", (request.form["username"],)).fetchone()
    # ok: gatecheck.python.trust-boundary-violation
    session["user_id"] = user["id"]
    return "ok"


@csrf_protect
def render_page(request, page):
    # ok: gatecheck.python.xss
    page.title = mark_safe(page.title)
    # ok: gatecheck.python.xss
    return HttpResponse(loader.get_template("page.html").render({"page": page}, request))


def set_language(request):
    next_url = request.POST.get("next")
    if next_url and not url_has_allowed_host_and_scheme(url=next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    # ok: gatecheck.python.open-redirect
    return HttpResponseRedirect(next_url)


def paypal_checkout(request, client):
    order_id = request.POST.get("order_id")
    req = OrdersGetRequest(order_id)
    # ok: gatecheck.python.sql-injection
    return client.execute(req)


def paypal_checkout_raw(request, cursor):
    order_id = request.POST.get("order_id")
    # ruleid: gatecheck.python.sql-injection
    return cursor.execute("SELECT * FROM orders WHERE id = '%s'" % order_id)


def license_notice(request):
    # ok: gatecheck.python.xss
    return django.utils.safestring.mark_safe('<a href="{}">source</a>'.format(request.build_absolute_uri("/source")))


def sendfile(request, filename, **kwargs):
    """A sendfile backend (wagtail's streaming backend): views call it with a path they chose."""
    # ok: gatecheck.python.path-traversal
    return FileResponse(open(filename, "rb"))


def download(request, filename):
    # ruleid: gatecheck.python.path-traversal
    return FileResponse(open(os.path.join("/srv/files", filename), "rb"))


class DownloadView(View):
    def get(self, request, filename, **kwargs):
        # ruleid: gatecheck.python.path-traversal
        return FileResponse(open(os.path.join("/srv/files", filename), "rb"))


async def static_handle(request):
    """aiohttp's static route: the name becomes a path, which another method resolves and confines."""
    # ok: gatecheck.python.path-traversal
    filename = Path(request.match_info["filename"])
    if filename.anchor:
        raise PermissionError(filename)
    return filename


async def note_handle(request):
    # ruleid: gatecheck.python.path-traversal
    return Path("/srv/notes", request.match_info["name"]).read_text()
