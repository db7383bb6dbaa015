"""SQLite repository of one account's forms and form results (implements
``domain.forms.FormRepo``)."""

from __future__ import annotations

import json
import sqlite3

from spotler_sim.domain.forms import Form, FormField, FormResult, HistoryRow, ResultFilter

_FORM = "id, form_id, name, sub_type, state, confirmation, redirect_url"
_RESULT = "number, form_row, contact_id, submitted_ms, completed, test, answers"


class SqliteForms:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    # ---- rows to values ------------------------------------------------------------------------
    def _form(self, row: sqlite3.Row) -> Form:
        fields = self.conn.execute(
            "SELECT field_id, name, label, type, required, property, options FROM form_fields "
            "WHERE form_row = ? ORDER BY position",
            (row["id"],),
        ).fetchall()
        return Form(
            form_id=row["form_id"],
            name=row["name"],
            sub_type=row["sub_type"],
            state=row["state"],
            confirmation=row["confirmation"],
            redirect_url=row["redirect_url"],
            fields=tuple(
                FormField(
                    field_id=f["field_id"],
                    name=f["name"],
                    label=f["label"],
                    type=f["type"],
                    required=bool(f["required"]),
                    property=f["property"],
                    options=tuple(json.loads(f["options"])),
                )
                for f in fields
            ),
            id=row["id"],
        )

    @staticmethod
    def _result(row: sqlite3.Row) -> FormResult:
        return FormResult(
            form_row=row["form_row"],
            submitted_ms=row["submitted_ms"],
            answers=json.loads(row["answers"]),
            completed=bool(row["completed"]),
            test=bool(row["test"]),
            contact_id=row["contact_id"],
            number=row["number"],
        )

    # ---- forms ---------------------------------------------------------------------------------
    def forms(self, sub_type: str | None, state: str | None) -> list[Form]:
        sql = f"SELECT {_FORM} FROM forms WHERE account_id = ?"
        args: list[object] = [self.account_id]
        if sub_type is not None:
            sql += " AND sub_type = ?"
            args.append(sub_type)
        if state is not None:
            sql += " AND state = ?"
            args.append(state)
        rows = self.conn.execute(sql + " ORDER BY position", args).fetchall()
        return [self._form(row) for row in rows]

    def form(self, form_id: int) -> Form | None:
        row = self.conn.execute(
            f"SELECT {_FORM} FROM forms WHERE account_id = ? AND form_id = ?",
            (self.account_id, form_id),
        ).fetchone()
        return self._form(row) if row else None

    def form_by_row(self, row_id: int) -> Form | None:
        row = self.conn.execute(
            f"SELECT {_FORM} FROM forms WHERE id = ? AND account_id = ?",
            (row_id, self.account_id),
        ).fetchone()
        return self._form(row) if row else None

    def add_form(self, form: Form) -> int:
        (position,) = self.conn.execute(
            "SELECT coalesce(max(position), -1) + 1 FROM forms WHERE account_id = ?",
            (self.account_id,),
        ).fetchone()
        cursor = self.conn.execute(
            "INSERT INTO forms (account_id, form_id, name, sub_type, state, confirmation, "
            "redirect_url, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                form.form_id,
                form.name,
                form.sub_type,
                form.state,
                form.confirmation,
                form.redirect_url,
                position,
            ),
        )
        row_id = int(cursor.lastrowid or 0)
        self.conn.executemany(
            "INSERT INTO form_fields (account_id, form_row, field_id, name, label, type, "
            "required, property, options, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    self.account_id,
                    row_id,
                    f.field_id,
                    f.name,
                    f.label,
                    f.type,
                    int(f.required),
                    f.property,
                    json.dumps(list(f.options)),
                    i,
                )
                for i, f in enumerate(form.fields)
            ],
        )
        return row_id

    # ---- results -------------------------------------------------------------------------------
    def has_result(self, number: int) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM form_results WHERE account_id = ? AND number = ?",
            (self.account_id, number),
        ).fetchone()
        return row is not None

    def save_result(self, result: FormResult) -> int:
        """Insert a result, numbered next in the account when ``number`` is 0; its number."""
        r = result
        if not r.number:
            (r.number,) = self.conn.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM form_results WHERE account_id = ?",
                (self.account_id,),
            ).fetchone()
        self.conn.execute(
            "INSERT INTO form_results (account_id, number, form_row, contact_id, submitted_ms, "
            "completed, test, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                r.number,
                r.form_row,
                r.contact_id,
                r.submitted_ms,
                int(r.completed),
                int(r.test),
                json.dumps(r.answers),
            ),
        )
        return r.number

    def result(self, form_row: int, number: int) -> FormResult | None:
        row = self.conn.execute(
            f"SELECT {_RESULT} FROM form_results WHERE account_id = ? AND number = ? "
            "AND form_row = ?",
            (self.account_id, number, form_row),
        ).fetchone()
        return self._result(row) if row else None

    def results(self, form_row: int, where: ResultFilter) -> list[FormResult]:
        sql = f"SELECT {_RESULT} FROM form_results WHERE form_row = ?"
        args: list[object] = [form_row]
        if where.start_ms is not None:
            sql += " AND submitted_ms >= ?"
            args.append(where.start_ms)
        if where.end_ms is not None:
            sql += " AND submitted_ms <= ?"
            args.append(where.end_ms)
        if where.completed is not None:
            sql += " AND completed = ?"
            args.append(int(where.completed))
        rows = self.conn.execute(sql + " ORDER BY submitted_ms, number", args).fetchall()
        return [self._result(row) for row in rows]

    def history(self, contact_id: int, offset: int, limit: int) -> list[HistoryRow]:
        rows = self.conn.execute(
            f"SELECT {_RESULT} FROM form_results WHERE contact_id = ? AND account_id = ? "
            "ORDER BY submitted_ms, number LIMIT ? OFFSET ?",
            (contact_id, self.account_id, limit, offset),
        ).fetchall()
        forms: dict[int, Form] = {}
        out = []
        for row in rows:
            result = self._result(row)
            if result.form_row not in forms:
                found = self.form_by_row(result.form_row)
                assert found is not None  # results go with their form
                forms[result.form_row] = found
            out.append(HistoryRow(forms[result.form_row], result))
        return out

    # ---- snapshots -----------------------------------------------------------------------------
    def every_form(self) -> list[tuple[Form, list[FormResult]]]:
        """Every form with its results (for snapshots)."""
        out = []
        for form in self.forms(None, None):
            rows = self.conn.execute(
                f"SELECT {_RESULT} FROM form_results WHERE form_row = ? "
                "ORDER BY submitted_ms, number",
                (form.id,),
            ).fetchall()
            out.append((form, [self._result(row) for row in rows]))
        return out
