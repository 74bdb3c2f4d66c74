import { BenchUser, createChat } from './api';
import { bulkUsers, mirrorToBare, settle } from './bulk';
import type { BenchContext } from './context';

/**
 * The service lets one user send 5 messages a second (SEND_RATE in
 * src/realtime/socket-rate-limit.interceptor.ts). The fan-out load keeps every user under it by spreading the
 * rate over many users in many chats, as real traffic is; the searches stop below this share.
 */
export const SEND_RATE_PER_USER = 5;
const USE_OF_ALLOWANCE = 0.8;

/** Chats of one size for the fan-out scenarios. */
export interface ChatGroup {
  members: number;
  /** Each chat's id and its members as indices into the population's users. */
  chats: { id: number; members: number[] }[];
}

export interface Population {
  users: BenchUser[];
  groups: ChatGroup[];
  /** The highest total rate that keeps every sender under its allowance. */
  maxRate: number;
}

const SIZES = [2, 10, 50];

let cached: Promise<Population> | undefined;

/**
 * Once per run: users (SQL, see bulkUsers), each in one chat of 2, one of 10 and one of 50
 * members, the chats created through the public REST API, then copied to the bare database.
 */
export function fanoutPopulation(ctx: BenchContext): Promise<Population> {
  cached ??= build(ctx);
  return cached;
}

async function build(ctx: BenchContext): Promise<Population> {
  const userCount = ctx.options.quick ? 500 : 1000;
  ctx.log(`creating ${userCount} users with SQL and their chats of ${SIZES.join(', ')} over REST`);
  const users = await bulkUsers(ctx, `f${ctx.runTag}`, userCount);
  const groups: ChatGroup[] = [];
  for (const size of SIZES) {
    const chats: ChatGroup['chats'] = [];
    for (let first = 0; first + size <= users.length; first += size) {
      const members = Array.from({ length: size }, (_, i) => first + i);
      const [owner, ...others] = members.map((index) => users[index]);
      const id = await createChat(
        ctx.service.origin,
        owner,
        others.map((user) => user.id),
        size > 2 ? `fan-out ${size}` : undefined,
      );
      chats.push({ id, members });
    }
    groups.push({ members: size, chats });
  }
  await mirrorToBare(ctx);
  await settle(ctx);
  return { users, groups, maxRate: Math.floor(userCount * SEND_RATE_PER_USER * USE_OF_ALLOWANCE) };
}
