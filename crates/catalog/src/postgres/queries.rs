//! The SQL text of every PostgreSQL catalog read. Each is one bulk query over `pg_catalog` for
//! all requested schemas at once (`$1` is the schema list); none is ever run per table.
//!
//! `pg_index.indnullsnotdistinct` came with PostgreSQL 15; [`for_server`] reads it as `false`
//! on older servers.

/// A query's text for a server of `version` (`server_version_num`).
pub fn for_server(sql: &str, version: i32) -> String {
    if version >= 150_000 {
        sql.to_owned()
    } else {
        sql.replace("ix.indnullsnotdistinct", "false")
            .replace("i.indnullsnotdistinct", "false")
    }
}

/// The server's version, the current schema and every user schema, to resolve and validate
/// `--schema`.
pub const SCHEMAS: &str = r#"
SELECT current_setting('server_version_num')::int4 AS version,
       current_schema()::text AS current,
       ARRAY(SELECT nspname::text FROM pg_namespace
             WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
             ORDER BY 1) AS available
"#;

/// Tables, partitioned tables, views and materialized views, with partition and inheritance
/// parents and table comments.
pub const RELATIONS: &str = r#"
SELECT c.oid::int8 AS oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       c.relkind::text AS relkind,
       c.relnatts AS attribute_count,
       c.relispartition AS is_partition,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
       pn.nspname::text AS parent_schema,
       pc.relname::text AS parent_name,
       d.description AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhseqno = 1
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
LEFT JOIN pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relname <> 'seaql_migrations'
"#;

/// Columns of those relations with their types (arrays resolved to their element), defaults,
/// identity, generation, non-default collation, comments and owned (serial) sequences. The
/// default and the owned sequence are looked up by index, and only for a column that has a
/// default (a serial's is its sequence's `nextval`): joining them in whole made the server
/// hash every column row first.
pub const COLUMNS: &str = r#"
SELECT a.attrelid::int8 AS table_oid,
       a.attnum AS position,
       a.attname::text AS name,
       a.attnotnull AS not_null,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       a.atttypmod AS typmod,
       a.attndims::int4 AS ndims,
       (et.oid IS NOT NULL) AS is_array,
       COALESCE(et.typname, t.typname)::text AS type_name,
       COALESCE(etn.nspname, tn.nspname)::text AS type_schema,
       COALESCE(et.typtype, t.typtype)::text AS type_type,
       CASE WHEN a.atthasdef THEN
           (SELECT pg_get_expr(ad.adbin, ad.adrelid) FROM pg_attrdef ad
            WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum) END AS default_expr,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation,
       d.description AS comment,
       seq.seq_schema,
       seq.seq_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
LEFT JOIN LATERAL (
    SELECT sn.nspname::text AS seq_schema, s.relname::text AS seq_name
    FROM pg_depend dep
    JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
    JOIN pg_namespace sn ON sn.oid = s.relnamespace
    WHERE a.atthasdef
      AND dep.refclassid = 'pg_class'::regclass
      AND dep.refobjid = a.attrelid
      AND dep.refobjsubid = a.attnum
      AND dep.classid = 'pg_class'::regclass
      AND dep.deptype = 'a'
    LIMIT 1
) seq ON true
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relname <> 'seaql_migrations'
  AND a.attnum > 0
  AND NOT a.attisdropped
"#;

/// Primary keys, unique constraints, foreign keys and checks declared on the tables themselves
/// (not cloned from a partitioned parent, not inherited).
pub const CONSTRAINTS: &str = r#"
SELECT co.conrelid::int8 AS table_oid,
       co.conname::text AS name,
       co.contype::text AS kind,
       COALESCE(co.conkey, '{}')::int2[] AS attnums,
       fn.nspname::text AS ref_schema,
       fc.relname::text AS ref_table,
       co.confrelid::int8 AS ref_oid,
       COALESCE(co.confkey, '{}')::int2[] AS ref_attnums,
       CASE WHEN co.contype = 'f' AND NOT fn.nspname = ANY($1) THEN
           ARRAY(SELECT a.attname::text FROM pg_attribute a
                 WHERE a.attrelid = co.confrelid AND a.attnum = ANY(co.confkey)
                 ORDER BY array_position(co.confkey, a.attnum))
       ELSE '{}'::text[] END AS ref_columns,
       co.confupdtype::text AS on_update,
       co.confdeltype::text AS on_delete,
       co.condeferrable AS deferrable,
       co.condeferred AS deferred,
       co.convalidated AS validated,
       CASE WHEN co.contype = 'u' THEN COALESCE(
           (SELECT ix.indnullsnotdistinct FROM pg_index ix WHERE ix.indexrelid = co.conindid),
           false) ELSE false END AS nulls_not_distinct,
       CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END AS check_expr
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON co.contype = 'f' AND fc.oid = co.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p')
  AND c.relname <> 'seaql_migrations'
  AND co.contype IN ('p', 'u', 'f', 'c')
  AND co.conparentid = 0
  AND co.conislocal
"#;

/// Indexes that back no primary key, unique or exclusion constraint, and are not partitions of
/// a parent's index: key parts (column or expression text), sort options, non-default operator
/// classes and collations (a key collation only when it differs from its column's), INCLUDE
/// columns, method, predicate and NULLS NOT DISTINCT. Expression texts, operator classes and
/// collations are each looked up only for the rare index that has one (an empty array
/// otherwise): per key of every index, the operator class lookup alone was half the query.
pub const INDEXES: &str = r#"
SELECT i.indrelid::int8 AS table_oid,
       ic.relname::text AS name,
       i.indisunique AS is_unique,
       i.indnullsnotdistinct AS nulls_not_distinct,
       am.amname::text AS method,
       i.indnkeyatts::int4 AS key_count,
       ARRAY(SELECT u.k FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(k, ord)
             ORDER BY u.ord) AS attnums,
       ARRAY(SELECT u.k FROM unnest(i.indoption::int2[]) WITH ORDINALITY u(k, ord)
             ORDER BY u.ord) AS options,
       CASE WHEN 0 = ANY(i.indkey::int2[]) THEN
       ARRAY(SELECT CASE WHEN u.k = 0 THEN pg_get_indexdef(i.indexrelid, u.ord::int4, true) END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(k, ord)
             ORDER BY u.ord) ELSE '{}'::text[] END AS defs,
       CASE WHEN i.indclass::oid[] && (SELECT array_agg(opc.oid) FROM pg_opclass opc
                                        WHERE NOT opc.opcdefault) THEN
       ARRAY(SELECT (SELECT CASE WHEN opc.opcdefault THEN NULL ELSE opc.opcname::text END
                     FROM pg_opclass opc WHERE opc.oid = k.opc_oid)
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(opc_oid, ord)
             ORDER BY k.ord) ELSE '{}'::text[] END AS opclasses,
       CASE WHEN i.indcollation::oid[] <@ '{0,100}'::oid[] THEN '{}'::text[] ELSE
       ARRAY(SELECT CASE WHEN u.coll IN (0, 100) THEN NULL ELSE (
                   CASE WHEN u.coll IS DISTINCT FROM (
                            SELECT a.attcollation FROM pg_attribute a
                            WHERE a.attrelid = i.indrelid
                              AND a.attnum = (SELECT x.k FROM unnest(i.indkey::int2[])
                                              WITH ORDINALITY x(k, o) WHERE x.o = u.ord))
                        THEN (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                                          ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                              FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                              WHERE co.oid = u.coll)
                   END) END
             FROM unnest(i.indcollation::oid[]) WITH ORDINALITY u(coll, ord)
             ORDER BY u.ord) END AS collations,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY($1)
  AND c.relname <> 'seaql_migrations'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint co
                  WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid
                    AND co.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
"#;

/// Enum types with their labels in sort order.
pub const ENUMS: &str = r#"
SELECT n.nspname::text AS schema,
       t.typname::text AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname = ANY($1)
"#;

/// Every user domain in the database (columns may use one from another schema), with its base
/// type, nullability, default and checks.
pub const DOMAINS: &str = r#"
SELECT n.nspname::text AS schema,
       t.typname::text AS name,
       t.typtypmod AS typmod,
       t.typndims::int4 AS ndims,
       (et.oid IS NOT NULL) AS is_array,
       COALESCE(et.typname, bt.typname)::text AS type_name,
       COALESCE(etn.nspname, btn.nspname)::text AS type_schema,
       COALESCE(et.typtype, bt.typtype)::text AS type_type,
       t.typnotnull AS not_null,
       t.typdefault AS default_expr,
       ARRAY(SELECT co.conname::text FROM pg_constraint co
             WHERE co.contypid = t.oid AND co.contype = 'c' ORDER BY co.conname) AS check_names,
       ARRAY(SELECT pg_get_expr(co.conbin, 0) FROM pg_constraint co
             WHERE co.contypid = t.oid AND co.contype = 'c' ORDER BY co.conname) AS check_exprs
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type bt ON bt.oid = t.typbasetype
JOIN pg_namespace btn ON btn.oid = bt.typnamespace
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
WHERE t.typtype = 'd'
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
"#;

/// User triggers (not the internal ones behind foreign keys, not clones on partitions).
pub const TRIGGERS: &str = r#"
SELECT t.tgrelid::int8 AS table_oid,
       t.tgname::text AS name,
       pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1)
  AND NOT t.tgisinternal
  AND t.tgparentid = 0
"#;

/// Views, materialized views, rules and row-level security policies that use columns of the
/// tables (dropping or retyping such a column fails while they stand). Read through
/// `pg_depend`'s index on the dependent's class, so only these objects' rows are scanned.
pub const DEPENDENTS: &str = r#"
SELECT d.refobjid::int8 AS table_oid,
       CASE WHEN d.classid = 'pg_policy'::regclass THEN 'policy'
            WHEN v.relkind = 'v' THEN 'view'
            WHEN v.relkind = 'm' THEN 'materialized view'
            ELSE 'rule' END AS kind,
       CASE WHEN d.classid = 'pg_policy'::regclass
                 THEN p.polname::text || ' on ' || pn.nspname::text || '.' || pc.relname::text
            WHEN v.relkind IN ('v', 'm') THEN vn.nspname::text || '.' || v.relname::text
            ELSE r.rulename::text || ' on ' || vn.nspname::text || '.' || v.relname::text
       END AS name,
       array_agg(DISTINCT d.refobjsubid::int2) AS attnums
FROM pg_depend d
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
LEFT JOIN pg_class v ON v.oid = r.ev_class
LEFT JOIN pg_namespace vn ON vn.oid = v.relnamespace
LEFT JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND p.oid = d.objid
LEFT JOIN pg_class pc ON pc.oid = p.polrelid
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE d.classid IN ('pg_rewrite'::regclass, 'pg_policy'::regclass)
  AND d.refclassid = 'pg_class'::regclass
  AND d.refobjsubid > 0
  AND n.nspname = ANY($1)
  AND (r.oid IS NULL OR r.ev_class <> d.refobjid)
GROUP BY 1, 2, 3
"#;
