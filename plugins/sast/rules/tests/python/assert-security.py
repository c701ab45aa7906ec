# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
def delete_account(request, account):
    # ruleid: gatecheck.python.assert-used-for-security, gatecheck.python.assert-used
    assert request.user.is_authenticated
    # ruleid: gatecheck.python.assert-used-for-security, gatecheck.python.assert-used
    assert request.user.has_perm("accounts.delete"), "forbidden"
    # ruleid: gatecheck.python.assert-used-for-security, gatecheck.python.assert-used
    assert account.owner_id == request.user.id or request.user.is_superuser
    account.delete()


def negatives(items, request):
    # ruleid: gatecheck.python.assert-used
    assert isinstance(items, list)
    # ruleid: gatecheck.python.assert-used
    assert len(items) > 0, "empty"
    if not request.user.is_authenticated:
        raise PermissionError("login required")
    # ok: gatecheck.python.assert-used-for-security, gatecheck.python.assert-used
    return items
