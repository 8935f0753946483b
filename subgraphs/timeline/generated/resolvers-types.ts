import type { GraphQLResolveInfo } from 'graphql';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  _FieldSet: { input: unknown; output: unknown; }
};

export type Order = {
  __typename?: 'Order';
  id: Scalars['ID']['output'];
  /** Everything that happened to the order, in every context, oldest first (see TimelineEntry for the order of equal times). Its customer, staff of its store, or an admin; [] before any event reached timeline. Null, with an error at this path, when timeline cannot answer. Errors: FORBIDDEN. */
  timeline?: Maybe<Array<TimelineEntry>>;
};

export type Reservation = {
  __typename?: 'Reservation';
  id: Scalars['ID']['output'];
  /** Everything that happened to the reservation (rental, inventory, notification), oldest first. Its customer or an admin; [] before any event reached timeline. Null, with an error at this path, when timeline cannot answer. Errors: FORBIDDEN. */
  timeline?: Maybe<Array<TimelineEntry>>;
};

/**
 * One fact about an order or a reservation, from one event of the context that recorded it
 * (timeline's read model, built from the events of every context; their correlation id is the case).
 * A timeline lists its entries by event time (occurredAt), then stream position (the JetStream
 * stream sequence; it grows per stream, so between two contexts' streams it only breaks a tie of
 * equal times), then event id.
 */
export type TimelineEntry = {
  __typename?: 'TimelineEntry';
  /** Money in KRW (whole won): the order's amount, a charge, a refund. */
  amount?: Maybe<Scalars['Int']['output']>;
  /** The event that caused this one, when its producer names one. */
  causationId?: Maybe<Scalars['ID']['output']>;
  /** A message's channel: LOG, WEBHOOK, TELEGRAM or KAKAO. */
  channel?: Maybe<Scalars['String']['output']>;
  /** The context that recorded it: ordering, payment, delivery, notification, rental, inventory, rewards, or one added later. */
  context: Scalars['String']['output'];
  /** The event's id (unique: one entry per event). */
  eventId: Scalars['ID']['output'];
  /** The event's type as its producer names it, e.g. DeliveryStarted. */
  eventType: Scalars['String']['output'];
  /**
   * What happened, a stable code: ORDER_PLACED, ORDER_STATUS_CHANGED, PAYMENT_CHARGED, PAYMENT_VOIDED,
   * STORE_ACCEPTED, PRODUCTION_STARTED, SHIPPED, DELIVERED, MESSAGE_SENT, MESSAGE_FAILED,
   * CANCELLATION_REQUESTED, PAYMENT_REFUNDED, DELIVERY_CANCELLED, DELIVERY_CANCELLATION_REFUSED,
   * RESERVATION_REQUESTED, RESERVATION_CONFIRMED, RESERVATION_FAILED, RESERVATION_CANCELLED,
   * STOCK_RESERVED, STOCK_RESERVATION_FAILED, STOCK_RELEASED, MISSION_PROGRESSED, MISSION_COMPLETED,
   * REWARD_GRANTED; an event timeline has no description for is <CONTEXT>_<EVENT_TYPE>
   * (e.g. LOYALTY_POINTS_EARNED).
   */
  kind: Scalars['String']['output'];
  /** When it happened: the event's occurredAt (ISO 8601, UTC, milliseconds). */
  occurredAt: Scalars['String']['output'];
  /** Reward points granted. */
  points?: Maybe<Scalars['Int']['output']>;
  /** Why: a cancellation's reason, a failure's reason. */
  reason?: Maybe<Scalars['String']['output']>;
  /** The order's or reservation's status the event tells (e.g. CONFIRMED), when it tells one. */
  status?: Maybe<Scalars['String']['output']>;
  /** The JetStream stream the event came from, e.g. DELIVERY. */
  stream: Scalars['String']['output'];
  /** Its sequence in that stream (exact below 2^53); null for an event an operator replayed from a dead letter. */
  streamSequence?: Maybe<Scalars['Float']['output']>;
  /** One sentence for a person, e.g. "Message sent on telegram: confirmed". */
  summary: Scalars['String']['output'];
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Order: Order;
  Reservation: Reservation;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  Reservation:
    ( { __typename: 'Reservation' }
    & GraphQLRecursivePick<FederationTypes['Reservation'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Order: ResolverTypeWrapper<Partial<Order>>;
  ID: ResolverTypeWrapper<Partial<Scalars['ID']['output']>>;
  Reservation: ResolverTypeWrapper<Partial<Reservation>>;
  TimelineEntry: ResolverTypeWrapper<Partial<TimelineEntry>>;
  Int: ResolverTypeWrapper<Partial<Scalars['Int']['output']>>;
  String: ResolverTypeWrapper<Partial<Scalars['String']['output']>>;
  Float: ResolverTypeWrapper<Partial<Scalars['Float']['output']>>;
  Boolean: ResolverTypeWrapper<Partial<Scalars['Boolean']['output']>>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Order: Partial<Order | FederationReferenceTypes['Order']>;
  ID: Partial<Scalars['ID']['output']>;
  Reservation: Partial<Reservation | FederationReferenceTypes['Reservation']>;
  TimelineEntry: Partial<TimelineEntry>;
  Int: Partial<Scalars['Int']['output']>;
  String: Partial<Scalars['String']['output']>;
  Float: Partial<Scalars['Float']['output']>;
  Boolean: Partial<Scalars['Boolean']['output']>;
}>;

export type OrderResolvers<ContextType = any, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  timeline?: Resolver<Maybe<Array<ResolversTypes['TimelineEntry']>>, ParentType, ContextType>;
}>;

export type ReservationResolvers<ContextType = any, ParentType extends ResolversParentTypes['Reservation'] = ResolversParentTypes['Reservation'], FederationReferenceType extends FederationReferenceTypes['Reservation'] = FederationReferenceTypes['Reservation']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Reservation']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  timeline?: Resolver<Maybe<Array<ResolversTypes['TimelineEntry']>>, ParentType, ContextType>;
}>;

export type TimelineEntryResolvers<ContextType = any, ParentType extends ResolversParentTypes['TimelineEntry'] = ResolversParentTypes['TimelineEntry']> = ResolversObject<{
  amount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  causationId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  channel?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  context?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  eventId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  eventType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  points?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  stream?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  streamSequence?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  summary?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = any> = ResolversObject<{
  Order?: OrderResolvers<ContextType>;
  Reservation?: ReservationResolvers<ContextType>;
  TimelineEntry?: TimelineEntryResolvers<ContextType>;
}>;

