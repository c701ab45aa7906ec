# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# Code injection: request data evaluated as Python code.
import ast
import json
import operator

from django.http import JsonResponse
from fastapi import FastAPI
from flask import Flask, jsonify, request
from PIL import Image, ImageMath

app = Flask(__name__)
api = FastAPI()
OPERATIONS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


@app.route("/calc")
def vuln_eval_query_parameter():
    expression = request.args.get("expr", "1+1")
    return jsonify(result=eval(expression))


@app.post("/rules")
def vuln_exec_posted_code():
    source = request.form["rule"]
    namespace = {}
    exec(source, namespace)
    return jsonify(keys=sorted(namespace))


def vuln_django_eval_built_string(request):
    field = request.GET["field"]
    value = eval("order." + field)
    return JsonResponse({"value": str(value)})


@api.get("/filter")
def vuln_fastapi_lambda_source(condition: str):
    predicate = eval("lambda item: " + condition)
    return {"matches": [i for i in range(10) if predicate(i)]}


@app.post("/image/math")
def vuln_imagemath_eval():
    formula = request.json["formula"]
    image = Image.open("input.png")
    out = ImageMath.eval(formula, a=image)
    return jsonify(size=out.size)


@app.route("/compile")
def vuln_compile_then_exec():
    snippet = request.args["code"]
    code = compile(snippet, "<user>", "exec")
    exec(code)
    return "ran"


def vuln_django_cookie_eval(request):
    prefs = request.COOKIES.get("prefs", "{}")
    settings = eval(prefs)
    return JsonResponse(settings)


@api.post("/template-expr")
async def vuln_fastapi_format_into_eval(body: dict):
    expr = "{} * {}".format(body["a"], body["b"])
    return {"result": eval(expr)}


@app.route("/sort")
def vuln_eval_in_key_function():
    attribute = request.args.get("by", "price")
    items = sorted(PRODUCTS, key=lambda p: eval("p." + attribute))
    return jsonify([p.name for p in items])


@app.route("/macro", methods=["POST"])
def vuln_exec_header():
    hook = request.headers.get("X-Hook", "")
    exec(hook)
    return "ok"


@app.route("/calc-safe")
def safe_literal_eval():
    expression = request.args.get("expr", "[1, 2]")
    return jsonify(result=ast.literal_eval(expression))


@app.post("/rules-safe")
def safe_json_loads():
    rule = json.loads(request.form["rule"])
    return jsonify(keys=sorted(rule))


def safe_django_getattr_allow_list(request):
    field = request.GET["field"]
    if field not in ("total", "status", "created"):
        return JsonResponse({"error": "field"}, status=400)
    return JsonResponse({"value": str(getattr(ORDER, field))})


@api.get("/filter-safe")
def safe_operator_table(op: str, a: int, b: int):
    function = OPERATIONS.get(op)
    return {"result": function(a, b) if function else None}


@app.post("/image/math-safe")
def safe_imagemath_fixed_formula():
    image = Image.open("input.png")
    out = ImageMath.eval("a * 2", a=image)
    return jsonify(size=out.size)


@app.route("/compile-safe")
def safe_eval_constant():
    return jsonify(result=eval("2 ** 10"))


def safe_django_cookie_json(request):
    prefs = request.COOKIES.get("prefs", "{}")
    return JsonResponse(json.loads(prefs))


@api.post("/template-expr-safe")
async def safe_fastapi_int_arithmetic(body: dict):
    return {"result": int(body["a"]) * int(body["b"])}


@app.route("/sort-safe")
def safe_attrgetter():
    attribute = request.args.get("by", "price")
    if attribute not in ("price", "name"):
        attribute = "price"
    items = sorted(PRODUCTS, key=operator.attrgetter(attribute))
    return jsonify([p.name for p in items])


@app.route("/version-safe")
def safe_eval_of_own_config():
    with open("/etc/shop/limits.py") as fh:
        limits = ast.literal_eval(fh.read())
    return jsonify(limits)
