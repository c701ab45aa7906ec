# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import builtins


def positives(request, source):
    # ruleid: gatecheck.python.eval-exec-dynamic
    eval(request.args["expr"])
    # ruleid: gatecheck.python.eval-exec-dynamic
    exec(source, {})
    # ruleid: gatecheck.python.eval-exec-dynamic
    builtins.eval("1 + " + source)


def negatives(source):
    # ok: gatecheck.python.eval-exec-dynamic
    eval("1 + 2")
    # ok: gatecheck.python.eval-exec-dynamic
    exec("import this")
    # ok: gatecheck.python.eval-exec-dynamic
    ast_value = literal_eval(source)
    return ast_value
