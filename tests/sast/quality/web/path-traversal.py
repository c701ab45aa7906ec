# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Path traversal: request data used as a file path.
import os
import shutil
from pathlib import Path

from django.http import FileResponse, HttpResponse
from fastapi import FastAPI
from fastapi.responses import FileResponse as FastFileResponse
from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
MEDIA = Path("/srv/media")
UPLOADS = "/srv/uploads"


@app.route("/download")
def vuln_send_file_joined():
    name = request.args.get("file")
    return send_file(os.path.join(UPLOADS, name))


@app.route("/read/<path:name>")
def vuln_open_concatenated(name):
    with open("/srv/docs/" + name) as fh:
        return fh.read()


@app.route("/avatar")
def vuln_pathlib_division():
    image = MEDIA / "avatars" / request.args["image"]
    return image.read_bytes()


def vuln_django_file_response(request, filename):
    path = f"{UPLOADS}/{filename}"
    return FileResponse(open(path, "rb"))


@api.get("/export")
def vuln_fastapi_file_response(report: str):
    return FastFileResponse("/srv/reports/" + report)


@app.post("/upload")
def vuln_upload_keeps_client_name():
    upload = request.files["file"]
    target = os.path.join(UPLOADS, upload.filename)
    with open(target, "wb") as out:
        out.write(upload.read())
    return "stored"


@app.post("/delete")
def vuln_remove_file():
    name = request.form["name"]
    os.remove(os.path.join(UPLOADS, name))
    return "deleted"


def vuln_django_write_text(request):
    note = request.POST["note"]
    title = request.POST["title"]
    Path("/srv/notes", title).write_text(note)
    return HttpResponse("saved")


@app.route("/copy")
def vuln_shutil_copy_from_header():
    source = request.headers.get("X-Source-Path")
    shutil.copy(source, "/srv/inbox/")
    return "copied"


@app.route("/theme")
def vuln_cookie_path():
    theme = request.cookies.get("theme", "light")
    css = open("/srv/themes/%s.css" % theme).read()
    return css, 200, {"Content-Type": "text/css"}


@app.route("/download-safe")
def safe_send_from_directory():
    name = request.args.get("file")
    return send_from_directory(UPLOADS, name)


@app.route("/read-safe/<path:name>")
def safe_resolve_and_check_prefix(name):
    full = os.path.realpath(os.path.join("/srv/docs", name))
    if not full.startswith("/srv/docs/"):
        abort(404)
    with open(full) as fh:
        return fh.read()


@app.route("/avatar-safe")
def safe_basename():
    image = MEDIA / "avatars" / os.path.basename(request.args["image"])
    return image.read_bytes()


def safe_django_id_lookup(request, doc_id):
    path = f"{UPLOADS}/{int(doc_id)}.pdf"
    return FileResponse(open(path, "rb"))


@api.get("/export-safe")
def safe_fastapi_allow_list(report: str):
    if report not in ("daily.csv", "weekly.csv"):
        return {"error": "unknown report"}
    return FastFileResponse("/srv/reports/" + report)


@app.post("/upload-safe")
def safe_secure_filename():
    upload = request.files["file"]
    target = os.path.join(UPLOADS, secure_filename(upload.filename))
    with open(target, "wb") as out:
        out.write(upload.read())
    return "stored"


@app.post("/delete-safe")
def safe_werkzeug_safe_join():
    path = safe_join(UPLOADS, request.form["name"])
    if path is None:
        abort(404)
    os.remove(path)
    return "deleted"


def safe_django_fixed_path(request):
    note = request.POST["note"]
    Path("/srv/notes/latest.txt").write_text(note)
    return HttpResponse("saved")


@app.route("/copy-safe")
def safe_relative_to_check():
    source = (MEDIA / request.headers.get("X-Source-Path", "")).resolve()
    if not source.is_relative_to(MEDIA):
        abort(403)
    shutil.copy(source, "/srv/inbox/")
    return "copied"


@app.route("/theme-safe")
def safe_theme_from_mapping():
    theme = {"light": "light.css", "dark": "dark.css"}.get(request.cookies.get("theme"), "light.css")
    css = open("/srv/themes/" + theme).read()
    return css, 200, {"Content-Type": "text/css"}


def _read_document(name):
    with open(os.path.join("/srv/docs", name)) as fh:
        return fh.read()


@app.route("/docs")
def vuln_through_helper_function():
    return _read_document(request.args["name"])


@app.route("/docs-safe")
def safe_dictionary_other_key():
    choice = {"requested": request.args["name"], "default": "index.txt"}
    with open(os.path.join("/srv/docs", choice["default"])) as fh:
        return fh.read()
