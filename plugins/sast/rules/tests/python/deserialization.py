# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
import copy
import marshal
import pickle
import shelve

import dill
import numpy as np
import torch
import yaml
from transformers import AutoModel


def load_state(blob, path):
    # ruleid: gatecheck.python.pickle-load
    state = pickle.loads(blob)
    with open(path, "rb") as fh:
        # ruleid: gatecheck.python.pickle-load
        cached = pickle.load(fh)
    # ruleid: gatecheck.python.pickle-load
    obj = dill.loads(blob)
    return state, cached, obj


def clone(value):
    # ok: gatecheck.python.pickle-load
    twin = pickle.loads(pickle.dumps(value))
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    # ok: gatecheck.python.pickle-load
    again = pickle.loads(data)
    # ruleid: gatecheck.python.pickle-load
    other = pickle.loads(value)
    return twin, again, other


def code_object(blob):
    # ruleid: gatecheck.python.marshal-load
    return marshal.loads(blob)


def code_roundtrip(code):
    # ok: gatecheck.python.marshal-load
    return marshal.loads(marshal.dumps(code))


def open_store(name):
    # ruleid: gatecheck.python.shelve-open
    return shelve.open(name)


def keep_open(name):
    # ok: gatecheck.python.shelve-open
    return open(name)


def parse(text, stream):
    # ruleid: gatecheck.python.yaml-unsafe-load
    a = yaml.load(text, Loader=yaml.Loader)
    # ruleid: gatecheck.python.yaml-unsafe-load
    b = yaml.unsafe_load(stream)
    # ruleid: gatecheck.python.yaml-unsafe-load
    c = yaml.load(text)
    # ok: gatecheck.python.yaml-unsafe-load
    d = yaml.safe_load(text)
    # ok: gatecheck.python.yaml-unsafe-load
    e = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: gatecheck.python.yaml-unsafe-load
    f = yaml.load(stream, Loader=AnsibleSafeLoader)
    return a, b, c, d, e, f


def models(path):
    # ruleid: gatecheck.python.unsafe-model-load
    net = torch.load(path)
    # ok: gatecheck.python.unsafe-model-load
    weights = torch.load(path, weights_only=True)
    # ruleid: gatecheck.python.unsafe-model-load
    arr = np.load(path, allow_pickle=True)
    # ok: gatecheck.python.unsafe-model-load
    plain = np.load(path)
    return net, weights, arr, plain


def hub():
    # ruleid: gatecheck.python.huggingface-unpinned-download
    m = AutoModel.from_pretrained("bert-base-uncased")
    # ok: gatecheck.python.huggingface-unpinned-download
    n = AutoModel.from_pretrained("bert-base-uncased", revision="86b5e0934494bd15c9632b12f734a8a67f723594")
    # ok: gatecheck.python.huggingface-unpinned-download
    o = AutoModel.from_pretrained("./local-model")
    return m, n, o


def cached_view(request, key):
    # ok: gatecheck.python.pickle-load
    return pickle.loads(cache.get(key))
