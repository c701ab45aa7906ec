"""``gatecheck serve``: the admission webhook and verify API (an ASGI app run by uvicorn).

* :mod:`gatecheck.server.admission`: AdmissionReview v1 parsing, images of Pods and pod templates.
* :mod:`gatecheck.server.decisions`: the verdict lookup against the store, and its cache.
* :mod:`gatecheck.server.app`: the Starlette application, its routes and Prometheus metrics.
* :mod:`gatecheck.server.auth`: who may call it: bearer tokens from the operator's file, the client CA.
"""
