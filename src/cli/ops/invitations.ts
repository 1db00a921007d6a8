import { inviteUser } from '../../core/admin/invitations.js';
import { outboxMailer } from '../../core/mail/outbox.js';
import { renderMail } from '../../ui/mail/templates.js';
import type { Operations } from '../store-options.js';
import { CliError } from '../output.js';

type View = Record<string, unknown>;

/** `tessera user invite`: against the store (the mail waits in the outbox for the running server to send it), or a running server. */
export interface InvitationOperations {
  invite(email: string, issuer: string | undefined): Promise<View>;
}

const view = (email: string, expiresAt: number): View => ({ email, expires_at: expiresAt, expires: new Date(expiresAt * 1000).toISOString() });

export const invitationOperations: Operations<InvitationOperations> = {
  local: (admin) => ({
    invite: async (email, issuer) => {
      if (!issuer) throw new CliError('--issuer (or TESSERA_ISSUER) is required: the link in the mail points at the server');
      const mail = outboxMailer({ stores: admin.stores, pepper: admin.pepper, now: () => admin.now }, renderMail, () => {});
      const invitation = await inviteUser(admin, { mail, issuer: issuer.replace(/\/$/, '') }, email);
      return view(invitation.email, invitation.expiresAt);
    },
  }),
  remote: (api) => ({
    invite: async (email) => {
      const answer = await api.post('/invitations', { email });
      return view(String(answer['email']), Number(answer['expires_at']));
    },
  }),
};
