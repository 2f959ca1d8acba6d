"""Savepoints issued on the driver's cursor, inside the unit of work's SQLAlchemy transaction.

The worker wraps every message in a savepoint so that one failing message rolls back alone. Through
SQLAlchemy (``Connection.begin_nested``) a savepoint costs about 90 us of Python bookkeeping per
message, more than the message's own statements; the same three standard SQL statements (``SAVEPOINT``,
``RELEASE SAVEPOINT``, ``ROLLBACK TO SAVEPOINT``; SQLite "SAVEPOINT", PostgreSQL "SAVEPOINT") sent on the
DBAPI cursor cost a few microseconds. SQLAlchemy's own transaction is untouched: the outer COMMIT or
ROLLBACK still ends everything, savepoints included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection


class DriverSavepoints:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.depth = 0

    @contextmanager
    def point(self) -> Iterator[None]:
        """Changes made in the block are undone if it raises (the exception propagates)."""
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        name = f"revcycle_sp{self.depth}"
        cursor.execute(f"SAVEPOINT {name}")
        self.depth += 1
        try:
            yield
        except BaseException:
            cursor.execute(f"ROLLBACK TO SAVEPOINT {name}")
            cursor.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            cursor.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self.depth -= 1
            cursor.close()
