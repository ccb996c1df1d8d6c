"""Database triggers that keep the audit log append-only, for SQLite and PostgreSQL.

They refuse UPDATE and DELETE of events (PostgreSQL: TRUNCATE too), and refuse moving the chain
head backwards or deleting it; the head still moves forward with each append. Installing is
idempotent. Migration 0002 installs them, and they are installed again after every ``migrate``
(see apps.py) because SQLite drops a table's triggers when a migration rebuilds the table.

``haven flush`` (which tests run between transactional tests) lifts them for the flush and puts
them back in the same transaction: emptying the whole database is deliberate, not an edit.
"""

from __future__ import annotations

from typing import Any

EVENTS = "audit_auditevent"
HEAD = "audit_chainhead"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {EVENTS}_no_update BEFORE UPDATE ON {EVENTS}
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {EVENTS}_no_delete BEFORE DELETE ON {EVENTS}
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {HEAD}_forward_only BEFORE UPDATE ON {HEAD}
    WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.digest <> OLD.digest)
    BEGIN SELECT RAISE(ABORT, 'audit chain head only moves forward'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {HEAD}_no_delete BEFORE DELETE ON {HEAD}
    BEGIN SELECT RAISE(ABORT, 'audit chain head only moves forward: DELETE refused'); END""",
]
_SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {EVENTS}_no_update",
    f"DROP TRIGGER IF EXISTS {EVENTS}_no_delete",
    f"DROP TRIGGER IF EXISTS {HEAD}_forward_only",
    f"DROP TRIGGER IF EXISTS {HEAD}_no_delete",
]

# No '%' in these: they are run without parameters, but keep them safe to run with.
_POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION haven_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit log is append-only: ' || TG_OP || ' refused on ' || TG_TABLE_NAME,
            ERRCODE = 'restrict_violation';
    END
    $$""",
    """CREATE OR REPLACE FUNCTION haven_audit_head_forward_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.id = OLD.id
               AND (NEW.seq > OLD.seq OR (NEW.seq = OLD.seq AND NEW.digest = OLD.digest)) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'audit chain head only moves forward: ' || TG_OP || ' refused',
            ERRCODE = 'restrict_violation';
    END
    $$""",
    f"""CREATE OR REPLACE TRIGGER {EVENTS}_append_only BEFORE UPDATE OR DELETE ON {EVENTS}
    FOR EACH ROW EXECUTE FUNCTION haven_audit_append_only()""",
    f"""CREATE OR REPLACE TRIGGER {EVENTS}_no_truncate BEFORE TRUNCATE ON {EVENTS}
    FOR EACH STATEMENT EXECUTE FUNCTION haven_audit_append_only()""",
    f"""CREATE OR REPLACE TRIGGER {HEAD}_forward_only BEFORE UPDATE OR DELETE ON {HEAD}
    FOR EACH ROW EXECUTE FUNCTION haven_audit_head_forward_only()""",
    f"""CREATE OR REPLACE TRIGGER {HEAD}_no_truncate BEFORE TRUNCATE ON {HEAD}
    FOR EACH STATEMENT EXECUTE FUNCTION haven_audit_append_only()""",
]
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {EVENTS}_append_only ON {EVENTS}",
    f"DROP TRIGGER IF EXISTS {EVENTS}_no_truncate ON {EVENTS}",
    f"DROP TRIGGER IF EXISTS {HEAD}_forward_only ON {HEAD}",
    f"DROP TRIGGER IF EXISTS {HEAD}_no_truncate ON {HEAD}",
    "DROP FUNCTION IF EXISTS haven_audit_append_only()",
    "DROP FUNCTION IF EXISTS haven_audit_head_forward_only()",
]

_STATEMENTS = {
    "sqlite": (_SQLITE_INSTALL, _SQLITE_REMOVE),
    "postgresql": (_POSTGRES_INSTALL, _POSTGRES_REMOVE),
}


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _statements(connection: Any) -> tuple[list[str], list[str]]:
    try:
        return _STATEMENTS[connection.vendor]
    except KeyError:
        raise NotImplementedError(
            f"the audit log's append-only triggers exist for SQLite and PostgreSQL, "
            f"not {connection.vendor}"
        ) from None


def tables_exist(connection: Any) -> bool:
    return {EVENTS, HEAD} <= set(connection.introspection.table_names())


def install(connection: Any) -> None:
    """Create (or re-create) the triggers on ``connection``'s database."""
    _run(connection, _statements(connection)[0])


def remove(connection: Any) -> None:
    _run(connection, _statements(connection)[1])


def installed(connection: Any) -> set[str]:
    """The names of the audit triggers present (for tests and checks)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                [EVENTS, HEAD],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid IN (%s::regclass, %s::regclass)",
                [EVENTS, HEAD],
            )
        return {name for (name,) in cursor.fetchall()}
