/**
 * The resource-server side of Tessera: what an API uses to check the access tokens Tessera
 * issues. `tessera/resource-server` is framework-free; `tessera/resource-server/fastify` and
 * `tessera/resource-server/express` hold `requireScope` for those frameworks.
 */
export { createGuard, bearerToken, ALLOWED_ALGORITHMS, type Guard, type GuardOptions, type VerifiedToken, type RequestLike, type AllowedAlgorithm } from './guard.js';
export { BearerError, bearerResponse, wwwAuthenticate, type BearerErrorCode } from './bearer-error.js';
export { IssuerUnavailableError, type IssuerProblem } from './issuer-error.js';
export { metadataPath, metadataUrl, protectedResourceMetadata, type ProtectedResourceMetadata, type ProtectedResourceOptions } from './protected-resource.js';
