// Peer: the user's path done the way a SQL user would do it in DuckDB.
// ../shared/bench/duckdb_matrix.js (the script behind the figures),
// with the same SQL, plus: steps printed as "step\tBUCKET\tLABEL\tSECONDS"
// for bench/userpath, a report of the Customers × Customers cell (10 rows
// and the whole cell) where acctmap runs Report, and no "distinct overlap"
// (acctmap's flow has no such step).
// NODE_PATH=.../node_modules CELLS=FILE node duckdb_matrix.js DIR
const { DuckDBInstance } = require('@duckdb/node-api');
const dir = process.argv[2];
const pops = [
  ["Customers", "Stage = 'Customer'"], ["Open Opportunities", "Stage = 'Open Opportunity'"],
  ["Prospects", "Stage = 'Prospect'"], ["Churned", "Stage = 'Churned'"],
  ["NA", "Region = 'NA'"], ["EMEA", "Region = 'EMEA'"], ["Enterprise", "Segment = 'Enterprise'"],
  ["Large", "Employees > 10000"]];
const host = `regexp_replace(regexp_replace(regexp_replace(lower(trim(Website)), '^[a-z]+:(//)?', ''), '^.*@', ''), '[/?#:].*$', '')`;
// crude eTLD+1: last two labels, or three when the second-level label is a common registry label
const etld1 = `CASE WHEN regexp_matches(h, '\\.(co|com|org|net|ac|gov|edu)\\.[a-z]{2}$') THEN regexp_extract(h, '([^.]+\\.[^.]+\\.[^.]+)$', 1) ELSE regexp_extract(h, '([^.]+\\.[^.]+)$', 1) END`;
function members(t) {
  return pops.map(([n, f], i) => `SELECT d, ${i} AS pop FROM ${t} WHERE ${f}`).join(' UNION ALL ');
}
const report = `SELECT o2."Record ID", o2."Company Name", o2.Website, o2.Stage, o2.Owner, p2."Record ID" AS pid, p2."Company Name" AS pname, p2.Website AS pwebsite, p2.Stage AS pstage, p2.Owner AS powner
  FROM (SELECT d FROM om WHERE pop = 0 INTERSECT SELECT d FROM pm WHERE pop = 0) c JOIN o2 USING (d) JOIN p2 USING (d)
  WHERE o2.Stage = 'Customer' AND p2.Stage = 'Customer' ORDER BY o2."Record ID"`;
(async () => {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  const step = async (bucket, label, sql) => { const t = process.hrtime.bigint(); const r = await c.runAndReadAll(sql); const s = Number(process.hrtime.bigint() - t) / 1e9; console.log(`step\t${bucket}\t${label}\t${s.toFixed(6)}`); return r; };
  await step('import', 'load ours.csv', `CREATE TABLE o AS SELECT * FROM read_csv('${dir}/ours.csv', header=true)`);
  await step('import', 'load partner.csv', `CREATE TABLE p AS SELECT * FROM read_csv('${dir}/partner.csv', header=true)`);
  await step('import', 'normalize both', `CREATE TABLE o2 AS SELECT *, ${etld1} AS d FROM (SELECT *, ${host} AS h FROM o); CREATE TABLE p2 AS SELECT *, ${etld1} AS d FROM (SELECT *, ${host} AS h FROM p)`);
  await step('populations', 'memberships', `CREATE TABLE om AS SELECT DISTINCT d, pop FROM (${members('o2')}); CREATE TABLE pm AS SELECT DISTINCT d, pop FROM (${members('p2')})`);
  const r = await step('first matrix', 'matrix 8x8 (join + group)', `SELECT om.pop AS a, pm.pop AS b, count(*) AS n FROM om JOIN pm USING (d) GROUP BY ALL ORDER BY 1, 2`);
  await step('second matrix', 'matrix again (warm)', `SELECT om.pop AS a, pm.pop AS b, count(*) AS n FROM om JOIN pm USING (d) GROUP BY ALL ORDER BY 1, 2`);
  const r10 = await step('report, 10 rows', 'report LIMIT 10', report + ' LIMIT 10');
  const all = await step('report, whole cell', 'report whole cell', report);
  if (process.env.CELLS) require('fs').writeFileSync(process.env.CELLS, r.getRows().map(x => x.map(String).join('\t')).join('\n') + '\n');
  console.log(`report\t${r10.getRows().length}\t${all.getRows().length}`);
})().catch(e => { console.error(e); process.exit(1); });
