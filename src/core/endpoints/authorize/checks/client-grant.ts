import { OAuthError } from '../../../errors.js';
import type { AuthorizeCheck } from '../request.js';

export const checkClientMayUseCodeFlow: AuthorizeCheck = ({ client }) => {
  if (!client.grantTypes.includes('authorization_code')) {
    throw new OAuthError('unauthorized_client', 'this client may not use the authorization code flow');
  }
};
