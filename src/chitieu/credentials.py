"""A warehouse URL and the secret inside it, kept apart.

A PostgreSQL URL is split once, strictly, into what may be shown (``public``: the URL
without its password, fit for a message, a log or a Prefect flow run's parameters) and
the password. A URL that could be read two ways (an ``@`` of a password not written
``%40``, so that libpq and Python's parser would disagree on where the host begins) is
refused, and the refusal quotes nothing of it. A libpq ``key=value`` string is refused
too, rather than taken for the name of a DuckDB file.

Flows never receive a password: `for_flow` moves it into libpq's own environment
(``PGPASSWORD``) of the process that runs the flow, where libpq finds it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

from chitieu.errors import WarehouseError

POSTGRES_SCHEMES: Final = ("postgresql", "postgres")
PASSWORD_ENV: Final = "PGPASSWORD"

# libpq's connection keywords (https://www.postgresql.org/docs/current/libpq-connect.html)
_LIBPQ_KEYS: Final = (
    "host|hostaddr|port|dbname|user|password|passfile|service|options|sslmode|sslcert|"
    "sslkey|sslrootcert|sslpassword|connect_timeout|application_name|target_session_attrs|"
    "channel_binding|gssencmode|client_encoding|keepalives|require_auth|load_balance_hosts"
)
_CONNINFO = re.compile(rf"(?:^|\s)({_LIBPQ_KEYS})\s*=", re.IGNORECASE)
_HOW_TO_WRITE_VI = (
    "viết postgresql://USER@HOST:PORT/DBNAME (một đường dẫn trơn là tệp DuckDB), mật khẩu "
    "để trong PGPASSWORD hoặc ~/.pgpass"
)
_HOW_TO_WRITE = (
    "write postgresql://USER@HOST:PORT/DBNAME (a bare path is a DuckDB file), "
    "with the password in PGPASSWORD or ~/.pgpass"
)


@dataclass(frozen=True)
class WarehouseURL:
    """A warehouse URL, parsed: ``url`` to connect with, ``public`` to show."""

    url: str
    public: str
    password: str | None
    written: str | None = None
    """The password as the URL spells it (percent-encoded)."""


def refuse_conninfo(given: str) -> None:
    """Raise for a libpq ``key=value`` connection string, naming its keys only."""
    keys = sorted({m.lower() for m in _CONNINFO.findall(given)})
    if keys:
        listed = ", ".join(keys)
        raise WarehouseError(
            f"--warehouse là chuỗi kết nối libpq dạng khóa=giá trị ({listed}), không phải "
            f"URL: {_HOW_TO_WRITE_VI}; chưa tạo gì / --warehouse is a libpq key=value "
            f"connection string ({listed}), not a URL: {_HOW_TO_WRITE}; nothing was created"
        )


def _ambiguous(what_vi: str, what: str) -> WarehouseError:
    return WarehouseError(
        f"URL kho dữ liệu không rõ ràng: {what_vi}. Viết '@', '/', '?' hoặc '#' trong tên "
        "người dùng hay mật khẩu ở dạng mã hóa phần trăm (%40, %2F, %3F, %23), hoặc cho mật "
        "khẩu qua PGPASSWORD hay ~/.pgpass (ở đây không hiện phần nào của URL) / "
        f"the warehouse URL is ambiguous: {what}. Write an "
        "'@', '/', '?' or '#' inside a user name or password percent-encoded (%40, %2F, "
        "%3F, %23), or give the password in PGPASSWORD or ~/.pgpass (nothing of the URL "
        "is shown here)"
    )


def parse(url: str) -> WarehouseURL:
    """Split a warehouse URL into what may be shown and its password (none for DuckDB).

    Raises `WarehouseError`, quoting nothing of the URL, when it could be read two ways:
    a PostgreSQL URL with more than one ``@`` before the host or an ``@`` after it, a
    DuckDB URL with a host (``duckdb://name.duckdb``: two slashes, not three).
    """
    scheme, found, rest = url.partition("://")
    if found and scheme.lower() == "duckdb" and not rest.startswith("/"):
        raise WarehouseError(
            "URL kho DuckDB thiếu dấu '/' thứ ba: viết duckdb:///relative/file.duckdb (đường "
            "dẫn tương đối) hoặc duckdb:////absolute/file.duckdb (đường dẫn tuyệt đối): ba "
            "dấu gạch chéo, rồi đến đường dẫn; sau hai dấu, phần tiếp theo bị đọc thành tên "
            "máy chủ và một đường dẫn từ gốc; chưa tạo gì (ở đây không hiện phần nào của URL)"
            " / a DuckDB warehouse URL is "
            "duckdb:///relative/file.duckdb or duckdb:////absolute/file.duckdb (three "
            "slashes, then the path): after two, what follows would be read as a host "
            "and a path from the root; nothing was created (nothing of the URL is shown "
            "here)"
        )
    if not found or scheme.lower() not in POSTGRES_SCHEMES:
        return WarehouseURL(url, url, None)
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if authority.count("@") > 1:
        raise _ambiguous(
            "có hơn một dấu '@' trước tên máy chủ", "more than one '@' before its host"
        )
    if "@" in tail:
        raise _ambiguous("có dấu '@' sau tên máy chủ", "an '@' after its host")
    password = written = None
    if "@" in authority:
        userinfo, host = authority.split("@")
        user, colon, secret = userinfo.partition(":")
        if colon:
            password, written = unquote(secret), secret
        authority = f"{user}@{host}"
    path, hash_mark, fragment = tail.partition("#")
    path, question, query = path.partition("?")
    if question:
        # kept as written: libpq reads each value's percent-encoding itself
        pieces = [piece.partition("=") for piece in query.split("&")]
        secrets = [value for key, _, value in pieces if unquote(key) == "password"]
        if secrets:
            password, written = unquote(secrets[-1]), secrets[-1]
            query = "&".join("".join(p) for p in pieces if unquote(p[0]) != "password")
            question = "?" if query else ""
    public = f"{scheme}://{authority}{path}{question}{query}{hash_mark}{fragment}"
    return WarehouseURL(url, public, password, written)


def for_flow(url: str) -> str:
    """``url`` without its password, which goes into this process's ``PGPASSWORD`` for
    libpq to find: what a flow may receive as a parameter (Prefect keeps a flow run's
    parameters for anyone with access to its API or UI to read)."""
    parsed = parse(url)
    if parsed.password is not None:
        os.environ[PASSWORD_ENV] = parsed.password  # as in the URL, it wins over the env's
    return parsed.public


def refuse_secret_parameter(url: str | None) -> None:
    """A flow's ``warehouse_url`` parameter must hold no password: raise, without quoting
    it, when it does (the flow run has stored it already: change that password)."""
    if url is not None and parse(url).password:
        raise WarehouseError(
            "tham số warehouse_url của luồng chứa mật khẩu, mà Prefect lưu cùng lần chạy cho "
            "bất kỳ ai đọc được API hay giao diện của nó: hãy đổi mật khẩu đó, truyền URL "
            "không kèm mật khẩu, và cho tiến trình của luồng biết mật khẩu qua PGPASSWORD "
            "hoặc ~/.pgpass (trên một worker: trong môi trường của nó) / "
            "the flow's warehouse_url parameter holds "
            "a password, which Prefect stores with the flow run for anyone who can read its "
            "API or UI: change that password, pass the URL without it, and give the password "
            "to the flow's process in PGPASSWORD or ~/.pgpass (on a worker: its environment)"
        )
