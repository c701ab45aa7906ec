# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Command injection: request data reaching a shell or the program to run.
import asyncio
import os
import shlex
import subprocess

from django.http import HttpResponse
from fastapi import FastAPI
from flask import Flask, abort, jsonify, request

app = Flask(__name__)
api = FastAPI()
TOOLS = {"ping": "/bin/ping", "dig": "/usr/bin/dig"}


@app.route("/ping")
def vuln_os_system_concat():
    host = request.args.get("host", "localhost")
    os.system("ping -c 1 " + host)
    return "sent"


@app.route("/lookup")
def vuln_shell_true_fstring():
    domain = request.args["domain"]
    out = subprocess.check_output(f"nslookup {domain}", shell=True, text=True)
    return jsonify(lines=len(out.splitlines()))


def vuln_django_popen_helper(request):
    filename = request.POST["filename"]
    command = "wc -l /srv/uploads/%s" % filename
    stream = os.popen(command)
    return HttpResponse(len(stream.read()))


@api.post("/convert")
def vuln_fastapi_popen_format(fmt: str):
    cmd = "convert input.png output.{}".format(fmt)
    subprocess.Popen(cmd, shell=True).wait()
    return {"ok": True}


@app.route("/tools/<tool>")
def vuln_program_from_route(tool):
    result = subprocess.run([tool, "--version"], capture_output=True, text=True)
    return jsonify(version=result.stdout)


@app.post("/archive")
def vuln_sh_dash_c():
    target = request.form["dir"]
    subprocess.run(["sh", "-c", "tar czf /tmp/out.tgz " + target], check=True)
    return "done"


@app.route("/grep")
def vuln_getoutput():
    pattern = request.args["pattern"]
    return jsonify(result=subprocess.getoutput("grep -r " + pattern + " /srv/logs"))


def vuln_django_header_to_shell(request):
    agent = request.headers.get("User-Agent", "")
    subprocess.call("echo " + agent + " >> /var/log/agents.log", shell=True)
    return HttpResponse("logged")


@api.get("/resolve")
async def vuln_asyncio_shell(name: str):
    proc = await asyncio.create_subprocess_shell("host " + name)
    await proc.wait()
    return {"status": proc.returncode}


@app.route("/exec")
def vuln_exec_from_json():
    data = request.get_json(force=True)
    argv = data["program"]
    os.execvp(argv, [argv])


@app.route("/ping-safe")
def safe_argument_list():
    host = request.args.get("host", "localhost")
    subprocess.run(["ping", "-c", "1", "--", host], check=True, timeout=10)
    return "sent"


@app.route("/lookup-safe")
def safe_shlex_quote():
    domain = request.args["domain"]
    out = subprocess.check_output("nslookup " + shlex.quote(domain), shell=True, text=True)
    return jsonify(lines=len(out.splitlines()))


def safe_django_constant_command(request):
    stream = os.popen("uptime")
    return HttpResponse(stream.read())


@api.post("/convert-safe")
def safe_fastapi_allow_list(fmt: str):
    if fmt not in ("png", "jpeg", "webp"):
        return {"error": "format"}
    subprocess.run(["convert", "input.png", "output." + fmt], check=True)
    return {"ok": True}


@app.route("/tools-safe/<tool>")
def safe_program_from_mapping(tool):
    program = TOOLS.get(tool)
    if program is None:
        abort(404)
    result = subprocess.run([TOOLS[tool], "--version"], capture_output=True, text=True)
    return jsonify(version=result.stdout)


@app.post("/archive-safe")
def safe_list_after_double_dash():
    target = request.form["dir"]
    subprocess.run(["tar", "czf", "/tmp/out.tgz", "--", target], check=True)
    return "done"


@app.route("/grep-safe")
def safe_int_in_command():
    lines = int(request.args.get("lines", "10"))
    return jsonify(result=subprocess.getoutput("tail -n %d /srv/logs/app.log" % lines))


def safe_django_header_logged(request):
    agent = request.headers.get("User-Agent", "")
    with open("/var/log/agents.log", "a") as log:
        log.write(agent + "\n")
    return HttpResponse("logged")


@api.get("/resolve-safe")
async def safe_asyncio_exec(name: str):
    proc = await asyncio.create_subprocess_exec("/usr/bin/host", name)
    await proc.wait()
    return {"status": proc.returncode}


@app.route("/version")
def safe_fixed_program_output():
    out = subprocess.run(["/usr/bin/git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return jsonify(commit=out.stdout.strip())


def _archive(directory):
    os.system("tar czf /backup/archive.tgz " + directory)


@app.route("/backup")
def vuln_through_helper_function():
    _archive(request.args["dir"])
    return "queued"


@app.route("/backup-safe")
def safe_overwritten_before_use():
    directory = request.args.get("dir")
    directory = "/srv/data"
    os.system("tar czf /backup/archive.tgz " + directory)
    return "queued"
