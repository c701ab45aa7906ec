# ruff: noqa  -- deliberately insecure code: semgrep --test cases for the rule of the same name.
# ruleid: gatecheck.python.insecure-module-import
import telnetlib
# ruleid: gatecheck.python.insecure-module-import
from ftplib import FTP
# ruleid: gatecheck.python.insecure-module-import
from Crypto.Cipher import AES
# ok: gatecheck.python.insecure-module-import
from Cryptodome.Cipher import ChaCha20_Poly1305
# ok: gatecheck.python.insecure-module-import
from wsgiref.handlers import SimpleHandler
# ruleid: gatecheck.python.cgi-handler-httpoxy
from wsgiref.handlers import CGIHandler
# ok: gatecheck.python.cgi-handler-httpoxy
from wsgiref.simple_server import make_server
# ruleid: gatecheck.python.risky-module-import
import pickle
# ruleid: gatecheck.python.risky-module-import
import subprocess as sp
# ruleid: gatecheck.python.risky-module-import
from xml.etree import ElementTree
# ruleid: gatecheck.python.risky-module-import
from lxml import etree
# ok: gatecheck.python.risky-module-import
import json
# ok: gatecheck.python.risky-module-import
from defusedxml import ElementTree as SafeElementTree
