import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_BRAND, type Brand, type PageLook } from '../ui/page-context.js';
import { stylesheetFor } from '../ui/style.js';
import type { Branding } from '../ui/theme.js';

/*
 * The brand and look the pages of this server wear, and the assets under /assets/ that come with
 * them: the stylesheet with the configured accent, a theme's stylesheet, a logo file. Each is served
 * with an ETag, and the pages name it with that version in the URL, so a new configuration is
 * fetched at once and an unchanged one stays cached.
 */

interface Asset {
  body: string | Buffer;
  contentType: string;
  etag: string;
}

export interface ServedLook {
  brand: Brand;
  look: PageLook;
  /** Origins every page may load images from (an https brand logo), besides its own. */
  imageOrigins: string[];
  assets: Map<string, Asset>;
}

declare module 'fastify' {
  interface FastifyInstance {
    tesseraLook?: ServedLook;
  }
}

function asset(body: string | Buffer, contentType: string): Asset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/** What a server started with `branding` (or none) shows and serves. */
export function servedLook(branding?: Branding): ServedLook {
  const assets = new Map<string, Asset>();
  const versioned = (path: string, a: Asset) => {
    assets.set(path, a);
    return `${path}?v=${a.etag.slice(1, 9)}`;
  };
  const stylesheets = [versioned('/assets/tessera.css', asset(stylesheetFor(branding?.brand.color), 'text/css; charset=utf-8'))];
  if (branding?.themeCss !== undefined) stylesheets.push(versioned('/assets/theme.css', asset(branding.themeCss, 'text/css; charset=utf-8')));
  const brand: Brand = { ...(branding?.brand ?? DEFAULT_BRAND) };
  const imageOrigins: string[] = [];
  if (branding?.logoFile) brand.logoUrl = versioned(`/assets/logo.${branding.logoFile.extension}`, asset(branding.logoFile.bytes, branding.logoFile.contentType));
  else if (brand.logoUrl) imageOrigins.push(new URL(brand.logoUrl).origin);
  return { brand, look: { stylesheets, ...(branding?.layout ? { layout: branding.layout } : {}) }, imageOrigins, assets };
}

/** Serves the look's assets and makes it the one pageContext() draws with. */
export function serveLook(app: FastifyInstance, served: ServedLook): void {
  app.decorate('tesseraLook', served);
  for (const [path, a] of served.assets) {
    app.get(path, async (request, reply) => {
      reply.header('Cache-Control', 'public, max-age=3600').header('ETag', a.etag);
      if (request.headers['if-none-match'] === a.etag) return reply.code(304).send();
      return reply.type(a.contentType).send(a.body);
    });
  }
}

/** The look of the server this request came to (the built-in one if none was set). */
export function lookOf(request: FastifyRequest): ServedLook | undefined {
  return request.server.tesseraLook;
}
