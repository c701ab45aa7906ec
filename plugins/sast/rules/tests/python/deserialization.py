# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import dbm
import marshal
import pickle
import shelve

import yaml
from yaml import SafeLoader


def positives(request, path):
    # ruleid: gatecheck.python.pickle-load
    state = pickle.loads(request.data)
    with open(path, "rb") as fh:
        # ruleid: gatecheck.python.pickle-load
        state = pickle.load(fh)
    # ruleid: gatecheck.python.marshal-load
    code = marshal.loads(request.data)
    # ruleid: gatecheck.python.shelve-open
    db = shelve.open(path)
    # ruleid: gatecheck.python.yaml-unsafe-load
    data = yaml.load(request.data)
    # ruleid: gatecheck.python.yaml-unsafe-load
    data = yaml.load(request.data, Loader=yaml.Loader)
    # ruleid: gatecheck.python.yaml-unsafe-load
    data = yaml.unsafe_load(request.data)
    return state, code, db, data


def negatives(request):
    # ok: gatecheck.python.yaml-unsafe-load
    data = yaml.safe_load(request.data)
    # ok: gatecheck.python.yaml-unsafe-load
    data = yaml.load(request.data, Loader=yaml.SafeLoader)
    # ok: gatecheck.python.yaml-unsafe-load
    data = yaml.load(request.data, Loader=SafeLoader)
    # ok: gatecheck.python.yaml-unsafe-load
    data = yaml.load(request.data, yaml.CSafeLoader)
    # ok: gatecheck.python.pickle-load
    blob = pickle.dumps(data)
    # ok: gatecheck.python.marshal-load
    raw = marshal.dumps(data)
    # ok: gatecheck.python.shelve-open
    store = dbm.open("cache", "c")
    store.close()
    return blob, raw
