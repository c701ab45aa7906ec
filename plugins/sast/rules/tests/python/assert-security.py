# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
def delete_account(request, account):
    # ruleid: gatecheck.python.assert-used-for-security
    assert request.user.is_authenticated
    # ruleid: gatecheck.python.assert-used-for-security
    assert request.user.has_perm("accounts.delete"), "forbidden"
    # ruleid: gatecheck.python.assert-used-for-security
    assert account.owner_id == request.user.id or request.user.is_superuser
    account.delete()


def negatives(items, request):
    # ok: gatecheck.python.assert-used-for-security
    assert isinstance(items, list)
    # ok: gatecheck.python.assert-used-for-security
    assert len(items) > 0, "empty"
    if not request.user.is_authenticated:
        raise PermissionError("login required")
