import type { DataSource } from 'typeorm';

/** A node of `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`, with the fields the plan tests read. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Actual Loops': number;
  /** 'SubPlan' for a subquery evaluated per row of its parent. */
  'Parent Relationship'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

/** Runs `sql` under EXPLAIN (ANALYZE, BUFFERS) and returns its plan's root. */
export async function explainAnalyze(db: DataSource, sql: string, params: unknown[]): Promise<PlanNode> {
  const [row]: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] = await db.query(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
    params,
  );
  return row['QUERY PLAN'][0].Plan;
}

/** Every node of a plan, the root first. */
export function* nodesOf(node: PlanNode): Generator<PlanNode> {
  yield node;
  for (const child of node.Plans ?? []) yield* nodesOf(child);
}

/** Buffers the whole statement read (shared hits and reads). */
export function buffersOf(plan: PlanNode): number {
  return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
}
