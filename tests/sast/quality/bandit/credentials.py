# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import jwt
import pymysql

DATABASE_PASSWORD = "s3cr3t!pw"  # expect: B105
api_token = "tk_live_4f9a8b7c6d5e"  # expect: B105


class Settings:
    admin_password = "hunter2hunter2"  # expect: B105


def connect():
    return pymysql.connect(host="db", user="shop", password="Sh0pDB2024")  # expect: B106


def login(user, password="letmein123"):  # expect: B107
    return check(user, password)


def check_password(password):
    if password == "Winter2024!":  # expect: B105
        return True
    return False
