"""Model instances made from one fixed SQL statement, for the look-ups that run on every request.

Django's ORM compiles a `select_related()` query anew on every call: for the retailer of a host
name or the terminal of a token that is 0.5–0.8 ms of Python, where the statement itself takes
0.1 ms. `JoinedSelect` writes the statement once per process, from the models' own fields, and
makes the instances with `Model.from_db()` as the ORM would (the same fields, the same state),
joined objects set as the ORM's `select_related()` sets them.

Only fields whose value PostgreSQL's driver already gives as Python wants it are allowed (no
`from_db_value()`, e.g. no JSONField): a model that gains one fails when the statement is built,
not with a wrong value later.
"""

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model


class JoinedSelect:
    """`SELECT <every column of model and of each join> FROM <model> t0 <extra_from> <joins> WHERE
    <where>`. `joins` names foreign keys of the model; their models are t1, t2, … in that order,
    each a LEFT JOIN when the key may be null, as `select_related()` makes it.

    `only` narrows a part to some of its fields, as `.only()` does (the others deferred; the
    primary key always read): the main model under "", a join under its name. `extra` adds SQL
    expressions (on the tables of `extra_from`, say), set on the main instance under their names,
    as `.annotate()` does."""

    def __init__(
        self,
        model: type[Model],
        where: str,
        *,
        joins: tuple[str, ...] = (),
        extra_from: str = "",
        only: dict[str, tuple[str, ...]] | None = None,
        extra: dict[str, str] | None = None,
    ):
        self.model = model
        self.joins = [model._meta.get_field(name) for name in joins]
        self.extra_names = list(extra or {})
        only = only or {}
        unknown = set(only) - {"", *joins}
        if unknown:
            raise ValueError(f"`only` names no part of the statement: {sorted(unknown)}")
        # Per part: the model, its fields' attribute names, where its primary key is among them.
        self.parts: list[tuple[type[Model], list[str], int]] = []
        selected: list[str] = []
        tables = [f'"{model._meta.db_table}" AS t0', *([extra_from] if extra_from else [])]
        for index, (name, part) in enumerate(
            zip(("", *joins), (model, *(field.related_model for field in self.joins)), strict=True)
        ):
            fields = part._meta.concrete_fields
            if name in only:
                wanted = {part._meta.get_field(field_name).attname for field_name in only[name]}
                wanted.add(part._meta.pk.attname)
                fields = [field for field in fields if field.attname in wanted]
            for field in fields:
                if hasattr(field, "from_db_value"):
                    raise TypeError(f"{part.__name__}.{field.name} needs a converter; use the ORM for it")
            names = [field.attname for field in fields]
            self.parts.append((part, names, names.index(part._meta.pk.attname)))
            selected += [f't{index}."{field.column}"' for field in fields]
        selected += [f"{expression} AS {name}" for name, expression in (extra or {}).items()]
        for index, field in enumerate(self.joins, start=1):
            kind = "LEFT OUTER JOIN" if field.null else "INNER JOIN"
            target = f'"{field.related_model._meta.db_table}" AS t{index}'
            tables.append(f'{kind} {target} ON t0."{field.column}" = t{index}."{field.target_field.column}"')
        self.sql = f"SELECT {', '.join(selected)} FROM {' '.join(tables)} WHERE {where}"

    def first(self, params: list) -> Model | None:
        """The instance of the first row (its joined objects set), or None."""
        row = self.row(params)
        return None if row is None else self.instance(row)

    def row(self, params: list) -> tuple | None:
        """The first row's values as read, or None: what `instance()` turns into objects."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchone()

    def instance(self, row: tuple) -> Model:
        """New instances of one row (the main one with its joined objects set), as `first()` makes
        them: a row kept between requests gives every request objects of its own."""
        instances = []
        start = 0
        for part, names, pk_index in self.parts:
            values = row[start : start + len(names)]
            start += len(names)
            instances.append(None if values[pk_index] is None else part.from_db(DEFAULT_DB_ALIAS, names, values))
        main = instances[0]
        for field, related in zip(self.joins, instances[1:], strict=True):
            field.set_cached_value(main, related)
        for name, value in zip(self.extra_names, row[start:], strict=True):
            setattr(main, name, value)
        return main
