"""First-party gatecheck plugins, one package each, registered through the ``gatecheck``
entry-point group exactly as third-party plugins are."""
