import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * Makes every insert into `table` whose new row matches `when` (an SQL condition on NEW) fail,
 * as a crash at that point would: the statement and its transaction go no further. Only rows of
 * the calling test match, so suites sharing the database are not affected. Returns the undo.
 */
export async function failInserts(db: DataSource, table: string, when: string): Promise<() => Promise<void>> {
  const name = `test_fail_${randomBytes(6).toString('hex')}`;
  await db.query(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
  );
  await db.query(
    `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`,
  );
  return async () => {
    await db.query(`DROP TRIGGER ${name} ON ${table}`);
    await db.query(`DROP FUNCTION ${name}()`);
  };
}
