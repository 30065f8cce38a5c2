#!/usr/bin/env python3
"""Alembic's autogenerate on the benchmark's database, for `cargo xtask bench --alembic`.

    alembic-autogen.py model URL FILE     reflect the database into a SQLAlchemy MetaData and
                                          pickle it to FILE (the "models"; not timed)
    alembic-autogen.py autogen URL FILE   load the models from FILE and run what
                                          `alembic revision --autogenerate` runs: compare them
                                          with the live database and render the migration

The models are the database's own tables, so Alembic finds nothing to change while it does all
the work of finding that out: every table reflected and compared column by column, index by
index, constraint by constraint. URL is the one sealift takes (postgres://, mysql://,
mariadb://, sqlite:); needs alembic, sqlalchemy, pymysql and psycopg.
"""
import pickle
import sys
import time

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine


def engine_url(url: str) -> str:
    for prefix, driver in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("mysql://", "mysql+pymysql://"),
        ("mariadb://", "mysql+pymysql://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix):]
    if url.startswith("sqlite:"):
        path = url[len("sqlite:"):].split("?")[0]
        if path.startswith("//"):
            path = path[2:]
        return "sqlite:///" + path
    sys.exit(f"alembic-autogen: unsupported URL {url.split(':')[0]}:")


def main() -> None:
    if len(sys.argv) != 4 or sys.argv[1] not in ("model", "autogen"):
        sys.exit(__doc__)
    mode, url, path = sys.argv[1:]
    engine = create_engine(engine_url(url))
    if mode == "model":
        models = MetaData()
        with engine.connect() as conn:
            models.reflect(conn)
        with open(path, "wb") as f:
            pickle.dump(models, f)
        print(f"{len(models.tables)} tables")
        return
    with open(path, "rb") as f:
        models = pickle.load(f)
    start = time.perf_counter()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        script = produce_migrations(context, models)
        render_python_code(script.upgrade_ops)
    changes = len(script.upgrade_ops.ops)
    print(f"{changes} changes in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
