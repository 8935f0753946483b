import { hostname } from 'node:os';
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../platform/errors';

/** A sane ceiling for one delivery of copies; keeps counts far from integer overflow. */
export const MAX_RECEIVE_QTY = 10_000;

const receiveInput = z.object({
  productId: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  qty: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_RECEIVE_QTY, `must be at most ${MAX_RECEIVE_QTY}`),
});
export type ReceiveStock = z.infer<typeof receiveInput>;

/** Validates before anything is written; the first problem becomes BAD_USER_INPUT naming the field. */
export function validateReceiveStock(input: unknown): ReceiveStock {
  const r = receiveInput.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw new DomainError(ErrorCode.BAD_USER_INPUT, `${field} ${issue.message}.`, { field });
}

export interface Counts {
  onHand: number;
  reserved: number;
}

/** Copies a reservation can still take. */
export const available = (c: Counts) => c.onHand - c.reserved;

/** One reservation takes exactly one copy, and only when one is free. */
export const canReserveOne = (c: Counts) => available(c) >= 1;

/** The process's name in movement rows: which replica did the work (INSTANCE_ID, e.g. the pod name). */
export const defaultInstanceId = () => `${hostname()}-${process.pid}`;
