# ruff: noqa  -- benchmark cases for bench/sast_quality.py (bandit check classes).
import marshal
import pickle  # expect: B403
import shelve  # expect: B403
import tarfile

import dill  # expect: B403
import torch
import yaml
from transformers import AutoModel, AutoTokenizer


def load_everything(blob, path, stream):
    a = pickle.loads(blob)  # expect: B301
    with open(path, "rb") as fh:
        b = pickle.load(fh)  # expect: B301
    c = dill.loads(blob)  # expect: B301
    d = shelve.open(path)  # expect: B301
    e = marshal.loads(blob)  # expect: B302
    f = yaml.load(stream, Loader=yaml.Loader)  # expect: B506
    g = yaml.unsafe_load(stream)  # expect: B506
    h = torch.load(path)  # expect: B614
    return a, b, c, d, e, f, g, h


def unpack(archive, target):
    with tarfile.open(archive) as tar:
        tar.extractall(target)  # expect: B202
    tarfile.open(archive).extractall(target)  # expect: B202


def models():
    model = AutoModel.from_pretrained("org/classifier")  # expect: B615
    tokenizer = AutoTokenizer.from_pretrained("org/classifier")  # expect: B615
    return model, tokenizer
