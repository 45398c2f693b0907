/**
 * `<schema>.append_batch(items jsonb, notify_channel text)`: appends a batch of items in one statement, so a batch
 * costs one round trip and, outside an explicit transaction, one commit. Set-based: a handful of statements per
 * batch whatever its size.
 *
 * Items are checked in order against their streams' versions; a later item of the same stream sees the events of
 * the earlier accepted ones, so it appends after them or conflicts as it would have one commit later. A conflicting
 * item yields one row `(item, actual)` and writes nothing; an accepted item yields one row per event
 * `(item, expected, event_id, version, position)` and its outbox rows.
 *
 * A concurrent transaction may insert the same (stream, version) after the check: ON CONFLICT DO NOTHING then
 * waits for it and skips the row instead of aborting the batch, and every accepted item of that stream is taken out
 * again (the later ones were checked against the lost one), so those conflict as a whole. UNIQUE (stream_id,
 * version) stays the final guard; any other error (a reused event id, a deadlock) aborts the statement, and with it
 * every item of the batch.
 *
 * Item shape: {s: stream, v: expected version, t: tenant, m: metadata, at: recorded_at, h: outbox headers,
 *              e: [{id, type, data, subject, payload}]}
 */
export function appendBatchFunctionSql(q: string): string {
  return `CREATE OR REPLACE FUNCTION ${q}.append_batch(items jsonb, notify_channel text)
  RETURNS TABLE (r_item integer, r_actual integer, r_event_id text, r_version integer, r_position text)
  LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  n integer := jsonb_array_length(items);
  item_stream text[];
  item_expected integer[];
  item_size integer[];
  streams text[];
  heads integer[];
  accepted boolean[];
  actual integer[];
  k integer;
  ins_items integer[];
  ins_ids text[];
  ins_versions integer[];
  ins_positions text[];
  lost text[];
BEGIN
  SELECT array_agg(x.value->>'s' ORDER BY x.ord), array_agg((x.value->>'v')::integer ORDER BY x.ord),
         array_agg(jsonb_array_length(x.value->'e') ORDER BY x.ord)
    INTO item_stream, item_expected, item_size
    FROM jsonb_array_elements(items) WITH ORDINALITY AS x(value, ord);
  SELECT array_agg(s.stream_id), array_agg(coalesce((SELECT max(ev.version) FROM ${q}.events ev WHERE ev.stream_id = s.stream_id), 0))
    INTO streams, heads
    FROM (SELECT DISTINCT u.stream_id FROM unnest(item_stream) AS u(stream_id)) s;
  accepted := array_fill(false, ARRAY[n]);
  actual := array_fill(0, ARRAY[n]);
  FOR i IN 1..n LOOP
    k := array_position(streams, item_stream[i]);
    IF heads[k] = item_expected[i] THEN
      accepted[i] := true;
      heads[k] := heads[k] + item_size[i];
    ELSE
      actual[i] := heads[k];
    END IF;
  END LOOP;

  WITH src AS (
    SELECT x.ord::integer AS item, e.n::integer AS n, e.ev, x.value AS it
      FROM jsonb_array_elements(items) WITH ORDINALITY AS x(value, ord)
     CROSS JOIN LATERAL jsonb_array_elements(x.value->'e') WITH ORDINALITY AS e(ev, n)
     WHERE accepted[x.ord::integer]
  ), ins AS (
    INSERT INTO ${q}.events AS ev (event_id, stream_id, version, type, tenant_id, data, metadata, recorded_at)
    SELECT src.ev->>'id', src.it->>'s', (src.it->>'v')::integer + src.n, src.ev->>'type', src.it->>'t', src.ev->'data',
           src.it->'m', (src.it->>'at')::timestamptz
      FROM src ORDER BY src.item, src.n
    ON CONFLICT ON CONSTRAINT events_stream_version_key DO NOTHING
    RETURNING ev.event_id, ev.version, ev.position
  )
  SELECT array_agg(src.item ORDER BY src.item, src.n), array_agg(ins.event_id ORDER BY src.item, src.n),
         array_agg(ins.version ORDER BY src.item, src.n), array_agg(ins.position::text ORDER BY src.item, src.n)
    INTO ins_items, ins_ids, ins_versions, ins_positions
    FROM ins JOIN src ON src.ev->>'id' = ins.event_id;

  IF coalesce(array_length(ins_ids, 1), 0) < (SELECT coalesce(sum(item_size[g.i]), 0) FROM generate_subscripts(item_size, 1) AS g(i) WHERE accepted[g.i]) THEN
    -- A concurrent append took a version: no item of that stream may land in part or on top of the lost one.
    SELECT array_agg(DISTINCT item_stream[g.i]) INTO lost
      FROM generate_subscripts(item_size, 1) AS g(i)
     WHERE accepted[g.i] AND item_size[g.i] > (SELECT count(*) FROM unnest(ins_items) AS u(item) WHERE u.item = g.i);
    DELETE FROM ${q}.events ev
     WHERE ev.event_id IN (SELECT ins_ids[g.j] FROM generate_subscripts(ins_ids, 1) AS g(j) WHERE item_stream[ins_items[g.j]] = ANY (lost));
    FOR i IN 1..n LOOP
      IF accepted[i] AND item_stream[i] = ANY (lost) THEN
        accepted[i] := false;
        SELECT coalesce(max(ev.version), 0) INTO k FROM ${q}.events ev WHERE ev.stream_id = item_stream[i];
        -- Under REPEATABLE READ the winner stays invisible; the skipped row alone proves the stream moved on.
        actual[i] := CASE WHEN k <> item_expected[i] THEN k ELSE k + 1 END;
      END IF;
    END LOOP;
  END IF;

  INSERT INTO ${q}.outbox (event_id, subject, payload, headers)
  SELECT e.ev->>'id', e.ev->>'subject', e.ev->>'payload', x.value->'h'
    FROM jsonb_array_elements(items) WITH ORDINALITY AS x(value, ord)
   CROSS JOIN LATERAL jsonb_array_elements(x.value->'e') WITH ORDINALITY AS e(ev, n)
   WHERE accepted[x.ord::integer]
   ORDER BY x.ord, e.n;
  IF FOUND THEN
    PERFORM pg_notify(notify_channel, '');
  END IF;

  RETURN QUERY
    SELECT g.i, actual[g.i], NULL::text, NULL::integer, NULL::text FROM generate_series(1, n) AS g(i) WHERE NOT accepted[g.i]
    UNION ALL
    SELECT ins_items[g.j], item_expected[ins_items[g.j]], ins_ids[g.j], ins_versions[g.j], ins_positions[g.j]
      FROM generate_subscripts(ins_ids, 1) AS g(j) WHERE accepted[ins_items[g.j]];
END
$fn$`;
}
