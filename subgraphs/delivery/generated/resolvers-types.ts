import type { GraphQLResolveInfo } from 'graphql';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** Fulfilment of a paid order: the store accepts (and may produce) it, the courier delivers it. */
export type Delivery = {
  __typename?: 'Delivery';
  acceptedAt?: Maybe<Scalars['String']['output']>;
  /** When delivery learnt that the order is being cancelled; no step may start after it. */
  cancelRequestedAt?: Maybe<Scalars['String']['output']>;
  cancelledAt?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['String']['output'];
  customerId: Scalars['ID']['output'];
  deliveredAt?: Maybe<Scalars['String']['output']>;
  /** Where the courier takes it; null: collected at the store. */
  deliveryAddress?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  item: Scalars['String']['output'];
  orderId: Scalars['ID']['output'];
  productionStartedAt?: Maybe<Scalars['String']['output']>;
  qty: Scalars['Int']['output'];
  shippedAt?: Maybe<Scalars['String']['output']>;
  status: DeliveryStatus;
  storeId: Scalars['ID']['output'];
  updatedAt: Scalars['String']['output'];
};

/** A page of deliveries (Relay Cursor Connections Specification). */
export type DeliveryConnection = {
  __typename?: 'DeliveryConnection';
  edges: Array<DeliveryEdge>;
  pageInfo: PageInfo;
};

/** One Delivery of a page and the cursor to page on from it. */
export type DeliveryEdge = {
  __typename?: 'DeliveryEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: Delivery;
};

export type DeliveryStatus =
  /** The store accepted the order. */
  | 'ACCEPTED'
  /** Cancelled by the order's cancellation. */
  | 'CANCELLED'
  /** The courier handed it over ('DeliveryCompleted'). */
  | 'DELIVERED'
  /** The store is making it (the pizza's 'PizzaProductionStarted'). */
  | 'IN_PRODUCTION'
  /** The courier left with it ('DeliveryStarted', the book market's 'Shipped'). */
  | 'SHIPPED'
  /** Paid, waiting for the store to accept it. */
  | 'WAITING';

export type Mutation = {
  __typename?: 'Mutation';
  /** The store accepts a paid order (the bakery's 'Confirmed'). Staff of the delivery's store or an admin. Errors: UNAUTHENTICATED, FORBIDDEN, DELIVERY_NOT_FOUND, INVALID_STATE_TRANSITION, BAD_USER_INPUT. */
  acceptOrder: Delivery;
  /** The courier hands a shipped order over. A courier, staff of the delivery's store or an admin. Errors: as acceptOrder. */
  completeDelivery: Delivery;
  /** The courier leaves with an accepted (or produced) order: it is shipped. Refused once the order is being cancelled. A courier, staff of the delivery's store or an admin. Errors: as acceptOrder. */
  startDelivery: Delivery;
  /** The store starts making an accepted order (the pizza's 'PizzaProductionStarted'). Staff of the delivery's store or an admin. Errors: as acceptOrder. */
  startProduction: Delivery;
};


export type MutationAcceptOrderArgs = {
  orderId: Scalars['ID']['input'];
};


export type MutationCompleteDeliveryArgs = {
  orderId: Scalars['ID']['input'];
};


export type MutationStartDeliveryArgs = {
  orderId: Scalars['ID']['input'];
};


export type MutationStartProductionArgs = {
  orderId: Scalars['ID']['input'];
};

/** Delivery's part of an order. */
export type Order = {
  __typename?: 'Order';
  /** Null until delivery has heard of the (paid) order, or, with an error SUBGRAPH_UNAVAILABLE at this path, when delivery cannot answer. */
  delivery?: Maybe<Delivery>;
  id: Scalars['ID']['output'];
};

/** Where a page of a connection sits (Relay Cursor Connections Specification). Shared by every subgraph. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The last edge's cursor; null for an empty page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Items follow this page: paging forward, more than `first` were left; paging backward with `before`, items exist at or after `before`. */
  hasNextPage: Scalars['Boolean']['output'];
  /** Items precede this page: paging backward, more than `last` were left; paging forward with `after`, items exist at or before `after`. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The first edge's cursor; null for an empty page. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /**
   * A store's work queue. Staff of that store, a courier or an admin. Errors: UNAUTHENTICATED, FORBIDDEN.
   * @deprecated Use deliveriesByStoreConnection: this list is cut at a fixed size.
   */
  deliveriesByStore: Array<Delivery>;
  /** A store's work queue, oldest first. Staff of that store, a courier or an admin. Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  deliveriesByStoreConnection: DeliveryConnection;
  /** One delivery; null when unknown. Its customer, staff of its store, a courier or an admin. Errors: UNAUTHENTICATED, FORBIDDEN. */
  delivery?: Maybe<Delivery>;
};


export type QueryDeliveriesByStoreArgs = {
  status?: InputMaybe<DeliveryStatus>;
  storeId: Scalars['ID']['input'];
};


export type QueryDeliveriesByStoreConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<DeliveryStatus>;
  storeId: Scalars['ID']['input'];
};


export type QueryDeliveryArgs = {
  id: Scalars['ID']['input'];
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
  Delivery: Delivery;
  Order: Order;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Delivery:
    ( { __typename: 'Delivery' }
    & GraphQLRecursivePick<FederationTypes['Delivery'], {"id":true}> );
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Delivery: ResolverTypeWrapper<Partial<Delivery>>;
  String: ResolverTypeWrapper<Partial<Scalars['String']['output']>>;
  ID: ResolverTypeWrapper<Partial<Scalars['ID']['output']>>;
  Int: ResolverTypeWrapper<Partial<Scalars['Int']['output']>>;
  DeliveryConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['DeliveryEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  DeliveryEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['Delivery'] }>;
  DeliveryStatus: ResolverTypeWrapper<Partial<DeliveryStatus>>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Order: ResolverTypeWrapper<Partial<Order>>;
  PageInfo: ResolverTypeWrapper<Partial<PageInfo>>;
  Boolean: ResolverTypeWrapper<Partial<Scalars['Boolean']['output']>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Delivery: Partial<Delivery | FederationReferenceTypes['Delivery']>;
  String: Partial<Scalars['String']['output']>;
  ID: Partial<Scalars['ID']['output']>;
  Int: Partial<Scalars['Int']['output']>;
  DeliveryConnection: { edges: Array<ResolversTypes['DeliveryEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  DeliveryEdge: { cursor: string; node: ResolversTypes['Delivery'] };
  Mutation: Record<PropertyKey, never>;
  Order: Partial<Order | FederationReferenceTypes['Order']>;
  PageInfo: Partial<PageInfo>;
  Boolean: Partial<Scalars['Boolean']['output']>;
  Query: Record<PropertyKey, never>;
}>;

export type DeliveryResolvers<ContextType = any, ParentType extends ResolversParentTypes['Delivery'] = ResolversParentTypes['Delivery'], FederationReferenceType extends FederationReferenceTypes['Delivery'] = FederationReferenceTypes['Delivery']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Delivery']> | FederationReferenceType, FederationReferenceType, ContextType>;
  acceptedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  cancelRequestedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  cancelledAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  deliveredAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  deliveryAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  item?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  orderId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  productionStartedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  qty?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  shippedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['DeliveryStatus'], ParentType, ContextType>;
  storeId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type DeliveryConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['DeliveryConnection'] = ResolversParentTypes['DeliveryConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['DeliveryEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type DeliveryEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['DeliveryEdge'] = ResolversParentTypes['DeliveryEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Delivery'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = any, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  acceptOrder?: Resolver<ResolversTypes['Delivery'], ParentType, ContextType, RequireFields<MutationAcceptOrderArgs, 'orderId'>>;
  completeDelivery?: Resolver<ResolversTypes['Delivery'], ParentType, ContextType, RequireFields<MutationCompleteDeliveryArgs, 'orderId'>>;
  startDelivery?: Resolver<ResolversTypes['Delivery'], ParentType, ContextType, RequireFields<MutationStartDeliveryArgs, 'orderId'>>;
  startProduction?: Resolver<ResolversTypes['Delivery'], ParentType, ContextType, RequireFields<MutationStartProductionArgs, 'orderId'>>;
}>;

export type OrderResolvers<ContextType = any, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  delivery?: Resolver<Maybe<ResolversTypes['Delivery']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = any, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = any, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  deliveriesByStore?: Resolver<Array<ResolversTypes['Delivery']>, ParentType, ContextType, RequireFields<QueryDeliveriesByStoreArgs, 'storeId'>>;
  deliveriesByStoreConnection?: Resolver<ResolversTypes['DeliveryConnection'], ParentType, ContextType, RequireFields<QueryDeliveriesByStoreConnectionArgs, 'storeId'>>;
  delivery?: Resolver<Maybe<ResolversTypes['Delivery']>, ParentType, ContextType, RequireFields<QueryDeliveryArgs, 'id'>>;
}>;

export type Resolvers<ContextType = any> = ResolversObject<{
  Delivery?: DeliveryResolvers<ContextType>;
  DeliveryConnection?: DeliveryConnectionResolvers<ContextType>;
  DeliveryEdge?: DeliveryEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
}>;

