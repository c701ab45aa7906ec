# ruff: noqa  -- benchmark cases for bench/sast_quality.py: deliberately vulnerable code and safe look-alikes.
# SQL injection: request data reaching SQL text, against bound parameters, allow-lists and the ORM.
import sqlite3

import pandas as pd
from aiohttp import web
from django.db import connection
from django.http import HttpResponse, JsonResponse
from fastapi import FastAPI
from flask import Flask, abort, jsonify, request
from psycopg2 import sql
from sqlalchemy import select, text

from shop.db import SessionLocal, engine
from shop.models import Order, Product, User

app = Flask(__name__)
api = FastAPI()
routes = web.RouteTableDef()
SORTABLE = {"name", "price", "created"}


def get_db():
    return sqlite3.connect("shop.db")


@app.route("/users/search")
def vuln_search_users_concat():
    name = request.args.get("name", "")
    query = "SELECT id, email FROM users WHERE name = '" + name + "'"
    rows = get_db().execute(query).fetchall()
    return jsonify(rows)


@app.route("/users/by-email")
def vuln_fstring_through_helper_variable():
    email = request.args["email"].strip().lower()
    where = f"email = '{email}'"
    statement = "SELECT * FROM users WHERE " + where
    return jsonify(get_db().execute(statement).fetchall())


def vuln_django_raw_percent(request):
    term = request.GET.get("q", "")
    people = User.objects.raw("SELECT * FROM auth_user WHERE username LIKE '%%%s%%'" % term)
    return JsonResponse({"count": len(list(people))})


def vuln_django_cursor_format(request, slug):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM blog_post WHERE slug = '{}'".format(slug))
        row = cursor.fetchone()
    return JsonResponse({"post": row})


@api.get("/orders")
def vuln_fastapi_text_fstring(customer: str):
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM orders WHERE customer = '{customer}'")).all()
    return {"orders": [dict(r._mapping) for r in rows]}


@app.route("/products")
def vuln_order_by_from_request():
    column = request.args.get("sort", "name")
    sql_text = "SELECT id, name FROM products ORDER BY " + column
    return jsonify(get_db().execute(sql_text).fetchall())


@app.post("/orders/bulk")
def vuln_in_list_from_json_body():
    payload = request.get_json()
    ids = ",".join(payload["ids"])
    rows = get_db().execute("SELECT * FROM orders WHERE id IN (" + ids + ")").fetchall()
    return jsonify(rows)


def vuln_django_extra_where(request):
    status = request.GET["status"]
    orders = Order.objects.extra(where=["status = '%s'" % status])
    return JsonResponse({"n": orders.count()})


@app.route("/report")
def vuln_pandas_read_sql():
    region = request.args["region"]
    frame = pd.read_sql(f"SELECT * FROM sales WHERE region = '{region}'", engine)
    return frame.to_json()


@routes.get("/stock")
async def vuln_aiohttp_asyncpg(request):
    sku = request.query["sku"]
    async with request.app["pool"].acquire() as conn:
        row = await conn.fetchrow("SELECT qty FROM stock WHERE sku = '%s'" % sku)
    return web.json_response({"qty": row["qty"]})


@app.route("/users/<user_id>/orders")
def vuln_route_parameter(user_id):
    cursor = get_db().cursor()
    cursor.execute("SELECT * FROM orders WHERE user_id = " + user_id)
    return jsonify(cursor.fetchall())


@app.route("/users/search-safe")
def safe_search_users_bound():
    name = request.args.get("name", "")
    rows = get_db().execute("SELECT id, email FROM users WHERE name = ?", (name,)).fetchall()
    return jsonify(rows)


@app.route("/users/by-email-safe")
def safe_text_with_bound_params():
    email = request.args["email"].strip().lower()
    statement = text("SELECT * FROM users WHERE email = :email")
    with engine.connect() as conn:
        return jsonify([dict(r._mapping) for r in conn.execute(statement, {"email": email})])


def safe_django_orm_filter(request):
    term = request.GET.get("q", "")
    people = User.objects.filter(username__icontains=term)
    return JsonResponse({"count": people.count()})


def safe_django_raw_with_params(request, slug):
    posts = User.objects.raw("SELECT * FROM blog_post WHERE slug = %s", [slug])
    return JsonResponse({"count": len(list(posts))})


@api.get("/orders-safe")
def safe_fastapi_orm_select(customer: str):
    with SessionLocal() as session:
        rows = session.execute(select(Order).where(Order.customer == customer)).scalars().all()
    return {"orders": [o.id for o in rows]}


@app.route("/products-safe")
def safe_order_by_allow_list():
    column = request.args.get("sort", "name")
    if column not in SORTABLE:
        abort(400)
    sql_text = "SELECT id, name FROM products ORDER BY " + column
    return jsonify(get_db().execute(sql_text).fetchall())


@app.post("/orders/bulk-safe")
def safe_in_list_placeholders():
    payload = request.get_json()
    ids = [int(i) for i in payload["ids"]]
    marks = ", ".join(["?"] * len(ids))
    rows = get_db().execute("SELECT * FROM orders WHERE id IN (" + marks + ")", ids).fetchall()
    return jsonify(rows)


@app.route("/products/<product_id>")
def safe_int_conversion(product_id):
    query = "SELECT * FROM products WHERE id = %d" % int(product_id)
    return jsonify(get_db().execute(query).fetchall())


@app.route("/tables/<table>/count")
def safe_psycopg_identifier(table):
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
    with get_pg().cursor() as cur:
        cur.execute(query)
        return jsonify(cur.fetchone())


@routes.get("/stock-safe")
async def safe_aiohttp_asyncpg_bound(request):
    sku = request.query["sku"]
    async with request.app["pool"].acquire() as conn:
        row = await conn.fetchrow("SELECT qty FROM stock WHERE sku = $1", sku)
    return web.json_response({"qty": row["qty"]})


def safe_constant_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM blog_post WHERE published")
        return JsonResponse({"published": cursor.fetchone()[0]})


# Harder cases: a flow through a helper function (semgrep's open-source engine follows data within
# one function), and a dictionary that holds request data under another key.
def _orders_for(customer):
    return get_db().execute("SELECT * FROM orders WHERE customer = '%s'" % customer).fetchall()


@app.route("/orders/by-customer")
def vuln_through_helper_function():
    return jsonify(_orders_for(request.args["customer"]))


@app.route("/orders/summary")
def safe_dictionary_other_key():
    params = {"customer": request.args["customer"], "table": "orders"}
    rows = get_db().execute("SELECT count(*) FROM " + params["table"]).fetchall()
    return jsonify(rows)
