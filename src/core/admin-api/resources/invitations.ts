import { Type } from '@sinclair/typebox';
import type { AdminRoute } from '../route.js';
import { inviteUser } from '../../admin/invitations.js';

const InvitationSchema = Type.Object({ email: Type.String(), expires_at: Type.Integer() });

/** Invitations to sign up (--signup invite): the link goes only to the address, never into the answer. */
export const invitationRoutes: AdminRoute[] = [
  {
    method: 'POST', path: '/invitations', operationId: 'inviteUser', summary: 'Invite an address to sign up: a single-use link, valid 7 days, is mailed to it', tag: 'Users', write: true, status: 201,
    body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }) }, { additionalProperties: false }),
    response: InvitationSchema,
    handle: async ({ ctx, admin, body }) => {
      const invitation = await inviteUser(admin, { mail: ctx.mail, issuer: ctx.config.issuer }, (body as { email: string }).email);
      return { body: { email: invitation.email, expires_at: invitation.expiresAt } };
    },
  },
];
