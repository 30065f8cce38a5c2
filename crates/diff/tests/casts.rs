//! Every type change between two of the types SeaORM makes on PostgreSQL, run on a table that
//! has a row: the `USING` sealift writes converts the value whenever a conversion makes sense
//! (the row holds a value of the old type that reads as the new one: `12` for a number, `true`
//! for a boolean), and the plan says "fails on any row that holds a value" exactly where
//! PostgreSQL has none.

use sealift_catalog::{DatabaseUrl, ReflectOptions, reflect};
use sealift_diff::{DiffOptions, diff, render_steps};
use sealift_ir::{DataType, Dialect};
use sealift_testkit::PgDb;
use sqlx::{AssertSqlSafe, Connection};

/// The PostgreSQL types of SeaORM's column types (i16 .. `Vec<u8>`), with a value of each.
const TYPES: [(&str, &str); 16] = [
    ("int2", "12"),
    ("int4", "12"),
    ("int8", "12"),
    ("float4", "12"),
    ("float8", "12"),
    ("numeric", "12"),
    ("varchar", "'hello'"),
    ("text", "'hello'"),
    ("bool", "true"),
    ("date", "'2024-01-02'"),
    ("time", "'10:11:12'"),
    ("timestamp", "'2024-01-02 10:11:12'"),
    ("timestamptz", "'2024-01-02 10:11:12+00'"),
    ("uuid", "'6f1c2b9e-8d1a-4c3e-9a77-3b2f1e0d4c5a'"),
    ("jsonb", "'{\"a\": 1}'"),
    ("bytea", "'\\x01'"),
];

/// The value a text column holds when it is about to become `to`: the text of a `to` value.
fn text_for(to: &str) -> String {
    let (_, v) = TYPES.iter().find(|(t, _)| *t == to).unwrap();
    match to {
        "varchar" | "text" => "'hello'".to_owned(),
        "bytea" => "'ab'".to_owned(),
        _ if v.starts_with('\'') => v.to_string(),
        _ => format!("'{v}'"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_type_change_converts_a_row_or_says_it_cannot() {
    let db = PgDb::create("casts").await;
    let url = DatabaseUrl::parse(db.url()).unwrap();
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let mut wrong = Vec::new();
    for (from, _) in TYPES {
        for (to, _) in TYPES {
            if from == to {
                continue;
            }
            let value = if matches!(from, "varchar" | "text") {
                text_for(to)
            } else {
                TYPES.iter().find(|(t, _)| *t == from).unwrap().1.to_owned()
            };
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP TABLE IF EXISTS t; CREATE TABLE t (id int4 PRIMARY KEY, c {from}); INSERT INTO t VALUES (1, {value}), (2, NULL)"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
            let current = reflect(&url, &ReflectOptions::default())
                .await
                .unwrap()
                .schema;
            let mut desired = current.clone();
            let table = desired
                .namespaces
                .get_mut("public")
                .and_then(|ns| ns.tables.get_mut("t"))
                .unwrap();
            table.columns[1].data_type = DataType::builtin(to);
            let plan = diff(&desired, &current, &DiffOptions::new(Dialect::Postgres));
            let never = plan
                .hazards()
                .any(|h| h.message.contains("fails on any row that holds a value"));
            let sql = render_steps(&plan.up, &plan.target());
            let mut tx = conn.begin().await.unwrap();
            let mut failed = None;
            for s in &sql {
                if let Err(e) = sqlx::raw_sql(AssertSqlSafe(s.clone()))
                    .execute(&mut *tx)
                    .await
                {
                    failed = Some(format!("{s}: {e}"));
                    break;
                }
            }
            tx.rollback().await.ok();
            match (never, failed) {
                (false, Some(e)) => wrong.push(format!("{from} -> {to} ({value}) failed: {e}")),
                (true, None) => wrong.push(format!(
                    "{from} -> {to} ({value}) converted, but the plan says it never does"
                )),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
