import type { BenchContext } from '../lib/context';
import { connect } from './connect';
import { fanout } from './fanout';
import { multinode } from './multinode';
import { chatlist, history, search, unread } from './reads';

/** In the order `all` runs them: the write-heavy ones before the big read data sets exist. */
export const SCENARIOS = { connect, fanout, multinode, history, chatlist, search, unread } satisfies Record<
  string,
  (ctx: BenchContext) => Promise<void>
>;

export type ScenarioName = keyof typeof SCENARIOS;
