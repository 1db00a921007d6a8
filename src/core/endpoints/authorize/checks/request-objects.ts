import { OAuthError } from '../../../errors.js';
import type { AuthorizeCheck } from '../request.js';

/** OpenID Connect Core §6: request objects are not supported, and discovery says so. */
export const refuseRequestObjects: AuthorizeCheck = ({ params }) => {
  if (params['request'] !== undefined) throw new OAuthError('request_not_supported', 'request objects are not supported');
  if (params['request_uri'] !== undefined) throw new OAuthError('request_uri_not_supported', 'request_uri is not supported');
};
