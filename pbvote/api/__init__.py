"""The JSON API (``/api/v1/…``) for kiosks, scanners and integrations: bearer tokens, problem JSON errors,
an OpenAPI 3.1 document generated from the code (flask-smorest) at ``/api/openapi.json``."""
