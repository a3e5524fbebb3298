"""Send requests to the configured installation through Django's test client, in this process.

Run by the operation tests as ``python client.py '<json steps>'`` with the environment of a
production installation (settings read from the environment, not the suite's). Each step is
``{"method", "path", "headers", "data"}`` or ``{"create_user": {...}}``; the last line printed
is a JSON list with status, headers and body of each response.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    from nahraum.bootstrap import setup_django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(raise_request_exception=False)
    out = []
    for step in json.loads(sys.argv[1]):
        if "create_user" in step:
            user = get_user_model().objects.create_user(**step["create_user"])
            out.append({"user_id": user.pk})
            continue
        headers = {k: v for k, v in (step.get("headers") or {}).items()}
        method = getattr(client, step.get("method", "get"))
        response = method(step["path"], step.get("data") or {}, headers=headers)
        out.append(
            {
                "status": response.status_code,
                "headers": dict(response.headers),
                "body": b"".join(response).decode("utf-8", "replace")
                if response.streaming
                else response.content.decode("utf-8", "replace"),
            }
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
