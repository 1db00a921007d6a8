import { randomUUID } from 'node:crypto';
import { seal, unseal } from '../crypto.js';
import type { Stores } from '../../store/ports.js';
import type { MailContent, MailRenderer, Mailer } from './mail.js';

/**
 * Queueing: the message is rendered now (the request knows the data) and written to the outbox
 * sealed under the pepper, since a reset link in it is a credential; the sender erases it once the
 * message is sent or given up. `queued` wakes the sender, so mail leaves at once rather than at its next round.
 */
export function outboxMailer(deps: { stores: Pick<Stores, 'mailOutbox'>; pepper: Buffer; now(): number }, render: MailRenderer, queued: () => void): Mailer {
  return {
    async queue(recipient, template) {
      const content = sealContent(deps.pepper, render(template));
      const now = deps.now();
      const id = randomUUID();
      await deps.stores.mailOutbox.enqueue({ id, recipient, template: template.name, content, nextAttemptAt: now, createdAt: now });
      queued();
      return id;
    },
  };
}

export function sealContent(pepper: Buffer, content: MailContent): string {
  return seal(pepper, JSON.stringify(content), 'mail');
}

/** The message sealed by `sealContent`; undefined when it cannot be opened (another pepper, altered). */
export function openContent(pepper: Buffer, sealed: string): MailContent | undefined {
  const opened = unseal(pepper, sealed, 'mail');
  if (opened === undefined) return undefined;
  try {
    const parsed = JSON.parse(opened) as MailContent;
    return typeof parsed.subject === 'string' && typeof parsed.text === 'string' && typeof parsed.html === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
