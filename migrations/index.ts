import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { ReceiptRanges1764800000000 } from './1764800000000-ReceiptRanges';

/** Every migration, oldest first. A new migration is added here as well as in its own file. */
export const MIGRATIONS = [InitialSchema1763700000000, ReceiptRanges1764800000000];
