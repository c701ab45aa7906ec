# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
def is_admin(user):
    access_level = "user"
    # ruleid: gatecheck.python.bidi-control-characters
    if access_level != "user‮ ⁦# Check if admin⁩ ⁦":
        return True
    # ok: gatecheck.python.bidi-control-characters
    marker = "\u202e"
    return False
