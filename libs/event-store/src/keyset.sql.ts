/**
 * Keyset pages (a cursor is the sort key of the last row seen, never an offset), so a row inserted while a client
 * walks a list neither shifts later pages nor repeats earlier ones. Column names are fixed strings, never input.
 */

/** A timestamptz column as the exact UTC instant a cursor carries (`SortInstant` in contracts: microseconds, `Z`). */
export const sortInstantOf = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Rows after the position `($at, $id)` in `(instant, id)` order — ascending, or descending for newest-first
 * lists — and every row while `$at` is null (the first page).
 */
export function afterSortKey(instantColumn: string, idColumn: string, atParam: number, idParam: number, order: 'asc' | 'desc' = 'asc'): string {
  const compare = order === 'asc' ? '>' : '<';
  return `($${atParam}::timestamptz IS NULL OR (${instantColumn}, ${idColumn}) ${compare} ($${atParam}::timestamptz, $${idParam}::text))`;
}
