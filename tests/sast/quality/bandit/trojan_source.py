# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
def is_admin(user):
    access = "user"
    if access != "user‮ ⁦# admins only⁩ ⁦":  # expect: B613
        return True
    return False
