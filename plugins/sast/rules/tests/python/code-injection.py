# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import ast
import logging.config


def compute(expression, namespace):
    # ruleid: gatecheck.python.eval-exec-dynamic
    value = eval(expression)
    # ruleid: gatecheck.python.eval-exec-dynamic
    exec(namespace["source"], namespace)
    # ok: gatecheck.python.eval-exec-dynamic
    fixed = eval("2 ** 10")
    # ok: gatecheck.python.eval-exec-dynamic
    data = ast.literal_eval(expression)
    # ok: gatecheck.python.eval-exec-dynamic
    exec(compile("x = 1", "<init>", "exec"), namespace)
    return value, fixed, data


def start_logging():
    # ruleid: gatecheck.python.logging-config-listen
    t = logging.config.listen(9999)
    # ok: gatecheck.python.logging-config-listen
    t2 = logging.config.listen(9998, verify=check_signature)
    return t, t2


@app.route("/report")
def report_view():
    formula = CONFIG["formula"]
    # ok: gatecheck.python.eval-exec-dynamic
    return str(eval(formula))
