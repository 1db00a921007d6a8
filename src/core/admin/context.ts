import type { Stores } from '../../store/ports.js';
import type { AuditInput } from '../audit.js';

/**
 * What every admin operation runs with, whichever face called it (the CLI, the admin API, SCIM,
 * the admin console): the stores, the pepper, the time, and an audit log that records `actor`
 * (who made the change) on each event.
 */
export interface AdminContext {
  stores: Stores;
  pepper: Buffer;
  now: number;
  /** `cli`, `client:<client id>` or `user:<sub>`; see AuditEvent.actor. */
  actor: string;
  audit(event: AuditInput): Promise<void>;
}
