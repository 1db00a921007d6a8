import { OAuthError } from '../../../errors.js';
import { optional } from '../../../params.js';
import { resourceProblem } from '../../../apis/apis.js';
import type { AuthorizeCheck } from '../request.js';

/** RFC 8707 §2: `resource` is an absolute URI without a fragment; whether it is an API here is looked up afterwards. */
export const checkResourceSyntax: AuthorizeCheck = ({ params, request }) => {
  const resource = optional(params, 'resource');
  if (resource === undefined) return;
  if (resourceProblem(resource)) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
  request.resource = resource;
};
