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

/** The customer's view of one order, built only from events (CQRS read model). */
export type OrderView = {
  __typename?: 'OrderView';
  /** price × qty. */
  amount: Scalars['Int']['output'];
  customerId: Scalars['ID']['output'];
  item: Scalars['String']['output'];
  orderId: Scalars['ID']['output'];
  paymentId?: Maybe<Scalars['ID']['output']>;
  placedAt: Scalars['String']['output'];
  /** Unit price in won. */
  price: Scalars['Int']['output'];
  productId: Scalars['ID']['output'];
  qty: Scalars['Int']['output'];
  status: Scalars['String']['output'];
  storeId: Scalars['ID']['output'];
  updatedAt: Scalars['String']['output'];
};

/** A page of order views (Relay Cursor Connections Specification). */
export type OrderViewConnection = {
  __typename?: 'OrderViewConnection';
  edges: Array<OrderViewEdge>;
  pageInfo: PageInfo;
};

/** One OrderView of a page and the cursor to page on from it. */
export type OrderViewEdge = {
  __typename?: 'OrderViewEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: OrderView;
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

export type Product = {
  __typename?: 'Product';
  id: Scalars['ID']['output'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * The signed-in customer's orders, newest first. Customer only (their own). Errors: UNAUTHENTICATED, FORBIDDEN.
   * @deprecated Use myOrdersConnection: this list is cut at a fixed size.
   */
  myOrders: Array<OrderView>;
  /** The signed-in customer's orders, newest first. Customer only (their own). Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  myOrdersConnection: OrderViewConnection;
  /**
   * The signed-in customer's reservations, newest first. Customer only (their own). Errors: UNAUTHENTICATED, FORBIDDEN.
   * @deprecated Use myReservationsConnection: this list is cut at a fixed size.
   */
  myReservations: Array<ReservationView>;
  /** The signed-in customer's reservations, newest first. Customer only (their own). Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  myReservationsConnection: ReservationViewConnection;
  /** One order's view; null when unknown. Its customer, staff of its store or an admin. Errors: UNAUTHENTICATED, FORBIDDEN. */
  orderView?: Maybe<OrderView>;
  /**
   * The books customers can browse before reserving: every stocked product, by title; optionally one store's, or only those with a free copy. Any signed-in actor. Errors: UNAUTHENTICATED.
   * @deprecated Use stockListConnection: this list is cut at a fixed size.
   */
  stockList: Array<StockItem>;
  /** The books customers can browse before reserving: every stocked product, by title; optionally one store's, or only those with a free copy. Any signed-in actor. Errors: UNAUTHENTICATED. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  stockListConnection: StockItemConnection;
};


export type QueryMyOrdersConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMyReservationsConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOrderViewArgs = {
  orderId: Scalars['ID']['input'];
};


export type QueryStockListArgs = {
  inStockOnly?: InputMaybe<Scalars['Boolean']['input']>;
  storeId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryStockListConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  inStockOnly?: InputMaybe<Scalars['Boolean']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  storeId?: InputMaybe<Scalars['ID']['input']>;
};

/** The customer's view of one reservation, built only from rental's events. */
export type ReservationView = {
  __typename?: 'ReservationView';
  customerId: Scalars['ID']['output'];
  failureReason?: Maybe<Scalars['String']['output']>;
  productId: Scalars['ID']['output'];
  requestedAt: Scalars['String']['output'];
  reservationId: Scalars['ID']['output'];
  /** REQUESTED, RESERVED, FAILED or CANCELLED. */
  status: Scalars['String']['output'];
  title: Scalars['String']['output'];
  updatedAt: Scalars['String']['output'];
};

/** A page of reservation views (Relay Cursor Connections Specification). */
export type ReservationViewConnection = {
  __typename?: 'ReservationViewConnection';
  edges: Array<ReservationViewEdge>;
  pageInfo: PageInfo;
};

/** One ReservationView of a page and the cursor to page on from it. */
export type ReservationViewEdge = {
  __typename?: 'ReservationViewEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: ReservationView;
};

/** One line of the public stock list, built only from catalog and inventory events (CQRS read model). */
export type StockItem = {
  __typename?: 'StockItem';
  /** Copies a reservation can take now, as of the last stock event seen. */
  available: Scalars['Int']['output'];
  /** The catalog's product (and, through the router, inventory's live stock); null, with an error SUBGRAPH_UNAVAILABLE at this path, when catalog cannot answer. */
  product?: Maybe<Product>;
  productId: Scalars['ID']['output'];
  storeId?: Maybe<Scalars['ID']['output']>;
  title: Scalars['String']['output'];
  updatedAt: Scalars['String']['output'];
};

/** A page of stock list lines (Relay Cursor Connections Specification). */
export type StockItemConnection = {
  __typename?: 'StockItemConnection';
  edges: Array<StockItemEdge>;
  pageInfo: PageInfo;
};

/** One StockItem of a page and the cursor to page on from it. */
export type StockItemEdge = {
  __typename?: 'StockItemEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: StockItem;
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
  OrderView: OrderView;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  OrderView:
    ( { __typename: 'OrderView' }
    & GraphQLRecursivePick<FederationTypes['OrderView'], {"orderId":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  OrderView: ResolverTypeWrapper<Partial<OrderView>>;
  Int: ResolverTypeWrapper<Partial<Scalars['Int']['output']>>;
  ID: ResolverTypeWrapper<Partial<Scalars['ID']['output']>>;
  String: ResolverTypeWrapper<Partial<Scalars['String']['output']>>;
  OrderViewConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['OrderViewEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  OrderViewEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['OrderView'] }>;
  PageInfo: ResolverTypeWrapper<Partial<PageInfo>>;
  Boolean: ResolverTypeWrapper<Partial<Scalars['Boolean']['output']>>;
  Product: ResolverTypeWrapper<Partial<Product>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReservationView: ResolverTypeWrapper<Partial<ReservationView>>;
  ReservationViewConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['ReservationViewEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  ReservationViewEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['ReservationView'] }>;
  StockItem: ResolverTypeWrapper<Partial<StockItem>>;
  StockItemConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['StockItemEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  StockItemEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['StockItem'] }>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  OrderView: Partial<OrderView | FederationReferenceTypes['OrderView']>;
  Int: Partial<Scalars['Int']['output']>;
  ID: Partial<Scalars['ID']['output']>;
  String: Partial<Scalars['String']['output']>;
  OrderViewConnection: { edges: Array<ResolversTypes['OrderViewEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  OrderViewEdge: { cursor: string; node: ResolversTypes['OrderView'] };
  PageInfo: Partial<PageInfo>;
  Boolean: Partial<Scalars['Boolean']['output']>;
  Product: Partial<Product>;
  Query: Record<PropertyKey, never>;
  ReservationView: Partial<ReservationView>;
  ReservationViewConnection: { edges: Array<ResolversTypes['ReservationViewEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  ReservationViewEdge: { cursor: string; node: ResolversTypes['ReservationView'] };
  StockItem: Partial<StockItem>;
  StockItemConnection: { edges: Array<ResolversTypes['StockItemEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  StockItemEdge: { cursor: string; node: ResolversTypes['StockItem'] };
}>;

export type OrderViewResolvers<ContextType = any, ParentType extends ResolversParentTypes['OrderView'] = ResolversParentTypes['OrderView'], FederationReferenceType extends FederationReferenceTypes['OrderView'] = FederationReferenceTypes['OrderView']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['OrderView']> | FederationReferenceType, FederationReferenceType, ContextType>;
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  item?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  orderId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  paymentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  placedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  qty?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  storeId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type OrderViewConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['OrderViewConnection'] = ResolversParentTypes['OrderViewConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrderViewEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type OrderViewEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['OrderViewEdge'] = ResolversParentTypes['OrderViewEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['OrderView'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = any, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type ProductResolvers<ContextType = any, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = any, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  myOrders?: Resolver<Array<ResolversTypes['OrderView']>, ParentType, ContextType>;
  myOrdersConnection?: Resolver<ResolversTypes['OrderViewConnection'], ParentType, ContextType, Partial<QueryMyOrdersConnectionArgs>>;
  myReservations?: Resolver<Array<ResolversTypes['ReservationView']>, ParentType, ContextType>;
  myReservationsConnection?: Resolver<ResolversTypes['ReservationViewConnection'], ParentType, ContextType, Partial<QueryMyReservationsConnectionArgs>>;
  orderView?: Resolver<Maybe<ResolversTypes['OrderView']>, ParentType, ContextType, RequireFields<QueryOrderViewArgs, 'orderId'>>;
  stockList?: Resolver<Array<ResolversTypes['StockItem']>, ParentType, ContextType, RequireFields<QueryStockListArgs, 'inStockOnly'>>;
  stockListConnection?: Resolver<ResolversTypes['StockItemConnection'], ParentType, ContextType, RequireFields<QueryStockListConnectionArgs, 'inStockOnly'>>;
}>;

export type ReservationViewResolvers<ContextType = any, ParentType extends ResolversParentTypes['ReservationView'] = ResolversParentTypes['ReservationView']> = ResolversObject<{
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  failureReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  requestedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reservationId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type ReservationViewConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['ReservationViewConnection'] = ResolversParentTypes['ReservationViewConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['ReservationViewEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type ReservationViewEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['ReservationViewEdge'] = ResolversParentTypes['ReservationViewEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['ReservationView'], ParentType, ContextType>;
}>;

export type StockItemResolvers<ContextType = any, ParentType extends ResolversParentTypes['StockItem'] = ResolversParentTypes['StockItem']> = ResolversObject<{
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  storeId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type StockItemConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['StockItemConnection'] = ResolversParentTypes['StockItemConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['StockItemEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type StockItemEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['StockItemEdge'] = ResolversParentTypes['StockItemEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['StockItem'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = any> = ResolversObject<{
  OrderView?: OrderViewResolvers<ContextType>;
  OrderViewConnection?: OrderViewConnectionResolvers<ContextType>;
  OrderViewEdge?: OrderViewEdgeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReservationView?: ReservationViewResolvers<ContextType>;
  ReservationViewConnection?: ReservationViewConnectionResolvers<ContextType>;
  ReservationViewEdge?: ReservationViewEdgeResolvers<ContextType>;
  StockItem?: StockItemResolvers<ContextType>;
  StockItemConnection?: StockItemConnectionResolvers<ContextType>;
  StockItemEdge?: StockItemEdgeResolvers<ContextType>;
}>;

