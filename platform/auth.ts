import type { Request } from 'express';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { DomainError, ErrorCode } from './errors';

/**
 * Who is asking. The router verifies the caller's JWT and passes the actor to subgraphs
 * in ACTOR_HEADER, on the request that also carries the router-only token (subgraphs
 * refuse GraphQL without that token, so the header cannot be forged from outside).
 * Subgraphs never read identity from arguments: a customer id always comes from here.
 */
export const ROLES = ['customer', 'store-staff', 'courier', 'stock-manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const actorSchema = z
  .object({
    /** The subject: for a customer, the customer id (e.g. c-33). */
    sub: z.string().min(1).max(200),
    role: z.enum(ROLES),
    /** The store a store-staff actor works for; required for that role only. */
    storeId: z.string().min(1).max(200).optional(),
  })
  .refine((a) => a.role !== 'store-staff' || !!a.storeId, { message: 'a store-staff actor needs a storeId', path: ['storeId'] });
export type Actor = z.infer<typeof actorSchema>;

/** Header from the router to subgraphs: base64url(JSON(Actor)). */
export const ACTOR_HEADER = 'x-ordergraph-actor';

/** Encodings per actor object: the router's verified-token cache hands out the same actor for the same token. */
const encoded = new WeakMap<Actor, string>();

/** ACTOR_HEADER's value for an actor: base64url(JSON(Actor)). Remembered per actor object (treat actors as read-only). */
export function encodeActor(a: Actor): string {
  let value = encoded.get(a);
  if (value === undefined) encoded.set(a, (value = Buffer.from(JSON.stringify(a)).toString('base64url')));
  return value;
}

/**
 * Decoded, validated actors by header value (a bounded LRU: a subgraph sees the same few
 * thousand identities again and again). Only valid actors are kept, frozen, since every
 * request with that header shares the object.
 */
const decoded = new LRUCache<string, Readonly<Actor>>({ max: 10_000 });

/** The actor in an ACTOR_HEADER value; undefined when absent, not base64url JSON, or not a valid actor. */
export function decodeActor(value: string | undefined): Actor | undefined {
  if (!value) return undefined;
  const known = decoded.get(value);
  if (known) return known;
  try {
    const parsed = actorSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    if (!parsed.success) return undefined;
    const actor = Object.freeze(parsed.data);
    decoded.set(value, actor);
    return actor;
  } catch {
    return undefined;
  }
}

/** The actor of a subgraph request (already behind the router-token check). */
export const actorOf = (req: Request) => decodeActor(req.headers[ACTOR_HEADER] as string | undefined);

/** What every resolver's context carries. */
export interface AuthContext {
  actor?: Actor;
}

export const unauthenticated = (message = 'Sign in first: send a bearer token (Authorization: Bearer <JWT>).') =>
  new DomainError(ErrorCode.UNAUTHENTICATED, message);

export const forbidden = (message: string, details: Record<string, unknown> = {}) => new DomainError(ErrorCode.FORBIDDEN, message, details);

/** Any signed-in actor. */
export function requireActor(ctx: AuthContext): Actor {
  if (!ctx.actor) throw unauthenticated();
  return ctx.actor;
}

/** One of the given roles. */
export function requireRole(ctx: AuthContext, ...roles: Role[]): Actor {
  const actor = requireActor(ctx);
  if (!roles.includes(actor.role)) throw forbidden(`Only ${roles.join(' or ')} may do this; you are ${actor.role}.`, { role: actor.role });
  return actor;
}

/** The signed-in customer's id: the only source of a customer id for a customer's own data. */
export function requireCustomer(ctx: AuthContext): string {
  return requireRole(ctx, 'customer').sub;
}

/** May this actor see (or act on) something that belongs to `customerId`, optionally of `storeId`? */
export function canAccess(actor: Actor, owner: { customerId?: string | null; storeId?: string | null }): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'customer':
      return !!owner.customerId && owner.customerId === actor.sub;
    case 'store-staff':
      return !!owner.storeId && owner.storeId === actor.storeId;
    default:
      return false;
  }
}

/**
 * Throws FORBIDDEN unless the actor may see what belongs to `owner`. `extraRoles` are
 * roles allowed regardless of owner (e.g. a courier for deliveries).
 */
export function requireAccess(ctx: AuthContext, owner: { customerId?: string | null; storeId?: string | null }, what: string, extraRoles: Role[] = []): Actor {
  const actor = requireActor(ctx);
  if (extraRoles.includes(actor.role) || canAccess(actor, owner)) return actor;
  throw forbidden(`You may not access ${what}.`);
}

/** Store staff of exactly this store (or admin). */
export function requireStaffOf(ctx: AuthContext, storeId: string, extraRoles: Role[] = []): Actor {
  const actor = requireActor(ctx);
  if (actor.role === 'admin' || extraRoles.includes(actor.role)) return actor;
  if (actor.role === 'store-staff' && actor.storeId === storeId) return actor;
  throw forbidden(actor.role === 'store-staff' ? `You work for store ${actor.storeId}, not ${storeId}.` : `Only staff of store ${storeId} may do this.`, { storeId });
}
