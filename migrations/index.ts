import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { MessagesWriteCost1764900000000 } from './1764900000000-MessagesWriteCost';

/** Every migration, oldest first. A new migration is added here as well as in its own file. */
export const MIGRATIONS = [InitialSchema1763700000000, MessagesWriteCost1764900000000];
