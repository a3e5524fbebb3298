"""Row count and SHA-256 of every table of the configured database, as JSON on stdout.

Rows are read ordered by primary key (by every column for a table without one) and every value
goes into the hash in a canonical form, binary columns byte for byte, so two databases with the
same content give the same digest and any changed, added or lost row or byte changes it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid


def canonical(value):
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes | bytearray):
        return "b:" + bytes(value).hex()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return "t:" + value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return "d:" + str(value)
    if isinstance(value, float):
        return "f:" + repr(value)
    return value


def digests() -> dict[str, dict]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            pk = connection.introspection.get_primary_key_column(cursor, table)
            quoted = connection.ops.quote_name(table)
            if pk:
                cursor.execute(f"SELECT * FROM {quoted} ORDER BY {connection.ops.quote_name(pk)}")
            else:
                cursor.execute(f"SELECT * FROM {quoted} WHERE 1 = 0")
                order = ", ".join(str(i + 1) for i in range(len(cursor.description)))
                cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")
            sha = hashlib.sha256()
            rows = 0
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    sha.update(json.dumps([canonical(v) for v in row], default=str).encode())
                    sha.update(b"\n")
                    rows += 1
            out[table] = {"rows": rows, "sha256": sha.hexdigest()}
    return out


if __name__ == "__main__":
    from nahraum.bootstrap import setup_django

    setup_django()
    print(json.dumps(digests(), sort_keys=True))
