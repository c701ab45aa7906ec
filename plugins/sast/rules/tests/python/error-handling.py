# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
def check(token):
    # ruleid: gatecheck.python.try-except-pass
    try:
        verify(token)
    except Exception:
        pass


def loop(items):
    for item in items:
        # ruleid: gatecheck.python.try-except-pass
        try:
            handle(item)
        except:
            continue


def specific(path):
    # ok: gatecheck.python.try-except-pass
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
