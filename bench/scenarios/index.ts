import type { BenchContext } from '../lib/context';
import { connect } from './connect';
import { explain } from './explain';
import { fanout } from './fanout';
import { multinode } from './multinode';
import { chatlist, history, search, unread } from './reads';
import { upload } from './upload';
import { xsearch } from './xsearch';

/**
 * In the order `all` runs them: the write-heavy ones before the big read data sets exist; explain
 * (tooling, not a comparison of servers under load) last.
 */
export const SCENARIOS = {
  connect,
  fanout,
  multinode,
  history,
  chatlist,
  search,
  xsearch,
  unread,
  upload,
  explain,
} satisfies Record<string, (ctx: BenchContext) => Promise<void>>;

export type ScenarioName = keyof typeof SCENARIOS;
